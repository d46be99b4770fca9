import { defineComponent, h, onBeforeUnmount, onMounted, ref, shallowRef, type PropType } from 'vue'
import type { BoardingPassError, CrossDeviceSignIn, CrossDeviceStatus, User } from '@boarding-pass/client'
import { useBoardingPass } from '../use-boarding-pass.js'

const STATUS_TEXT: Record<CrossDeviceStatus, string> = {
  pending: 'Waiting for your phone…',
  opened: 'Opened on your phone: check that the code matches, then continue there.',
  approved: 'Approved on your phone: signing you in…',
  denied: 'Declined on your phone.',
  expired: 'The code expired.',
}

/**
 * Sign in with your phone: a QR code of the link and the code to type, the
 * live status (`role="status"`), and "Get a new code" after a refusal, a
 * decline or expiry. Resumes the flow this tab was waiting on before a
 * reload. Emits `signed-in` with the user. Unstyled; `data-test-id`s:
 * `phone-qr`, `phone-user-code`, `phone-link`, `phone-status`, `phone-restart`.
 *
 * @example
 * ```vue
 * <PhoneSignIn device-name="Kiosk in the hall" @signed-in="router.push('/')" />
 * ```
 */
export const PhoneSignIn = defineComponent({
  name: 'PhoneSignIn',
  props: {
    /** The provider the phone signs in with; default: the phone lets the user choose. */
    provider: { type: String, default: undefined },
    /** What the phone shows as the device asking. */
    deviceName: { type: String, default: undefined },
    /** `auto` (the stream, then polling) or `poll`. */
    transport: { type: String as PropType<'auto' | 'poll'>, default: 'auto' },
  },
  emits: { 'signed-in': (user: User) => Boolean(user) },
  setup(props, { emit }) {
    const bp = useBoardingPass()
    const flow = shallowRef<CrossDeviceSignIn>()
    const status = ref<CrossDeviceStatus>('pending')
    const qr = ref<string>()
    const failure = shallowRef<BoardingPassError>()
    let stopListening: (() => void) | undefined

    function follow(next: CrossDeviceSignIn): void {
      flow.value = next
      status.value = next.status
      stopListening = next.onChange((f) => (status.value = f.status))
      // The QR code library is loaded only when a code is shown, not with the sign-in page.
      void import('qrcode')
        .then(({ toDataURL }) => toDataURL(next.verificationUriComplete, { margin: 1, width: 224 }))
        .then((url) => {
          if (flow.value === next) qr.value = url
        })
        .catch(() => undefined)
      next.result.then(
        (user) => emit('signed-in', user),
        (error: BoardingPassError) => {
          if (flow.value === next && error.reason !== 'cancelled') failure.value = error
        },
      )
    }

    async function start(fresh: boolean): Promise<void> {
      stopListening?.()
      flow.value?.cancel()
      flow.value = undefined
      qr.value = undefined
      failure.value = undefined
      try {
        const resumed = fresh ? undefined : bp.client.resumeCrossDevice({ transport: props.transport })
        follow(
          resumed ??
            (await bp.client.startCrossDevice({
              transport: props.transport,
              ...(props.provider ? { provider: props.provider } : {}),
              ...(props.deviceName ? { deviceName: props.deviceName } : {}),
            })),
        )
      } catch (error) {
        failure.value = error as BoardingPassError
      }
    }

    onMounted(() => void start(false))
    onBeforeUnmount(() => {
      stopListening?.()
      flow.value?.cancel()
    })

    return () => {
      const current = flow.value
      const restart = h(
        'button',
        { type: 'button', 'data-test-id': 'phone-restart', onClick: () => start(true) },
        'Get a new code',
      )
      if (failure.value) {
        const text =
          failure.value.reason === 'cross_device_denied'
            ? STATUS_TEXT.denied
            : failure.value.reason === 'cross_device_expired'
              ? STATUS_TEXT.expired
              : 'Signing in with your phone did not work.'
        return h('div', { role: 'alert', 'data-test-id': 'phone-failed', 'data-reason': failure.value.reason }, [
          h('p', text),
          restart,
        ])
      }
      if (!current) return h('p', { role: 'status', 'data-test-id': 'phone-status' }, 'Getting a code…')
      return h('div', { 'data-test-id': 'phone-sign-in' }, [
        qr.value
          ? h('img', {
              src: qr.value,
              width: 224,
              height: 224,
              alt: `QR code of ${current.verificationUriComplete}`,
              'data-test-id': 'phone-qr',
            })
          : null,
        h('p', [
          'Scan the code with your phone, or open ',
          h('a', { href: current.verificationUri, 'data-test-id': 'phone-link' }, current.verificationUri),
          ' and enter:',
        ]),
        h(
          'p',
          { 'data-test-id': 'phone-user-code', 'aria-label': `Code ${current.userCode.split('').join(' ')}` },
          current.userCode,
        ),
        h('p', { role: 'status', 'aria-live': 'polite', 'data-test-id': 'phone-status' }, STATUS_TEXT[status.value]),
      ])
    }
  },
})

import { computed, defineComponent, h, onMounted, shallowRef, type PropType } from 'vue'
import type { BoardingPassError, Provider } from '@boarding-pass/client'
import { useBoardingPass } from '../use-boarding-pass.js'

/**
 * One button per provider (`auth.providers`, or the `providers` you pass),
 * unstyled: a `<ul>` of `<button type="button">`, disabled and `aria-busy`
 * while a sign-in starts, with `data-test-id="provider-<id>"`. The default
 * slot renders a button's label (`{ provider }`).
 *
 * @example
 * ```vue
 * <SignInButtons return-to="/orders" />
 * ```
 */
export const SignInButtons = defineComponent({
  name: 'SignInButtons',
  props: {
    /** The providers to offer; default: what the service lists. */
    providers: { type: Array as PropType<Provider[]>, default: undefined },
    /** Where to come back to after signing in (a path of this app). Default: this page's `?returnTo=`. */
    returnTo: { type: String, default: undefined },
  },
  setup(props, { slots }) {
    const bp = useBoardingPass()
    const loaded = shallowRef<Provider[]>()
    const failed = shallowRef<BoardingPassError>()
    const busy = computed(() => ['starting', 'redirecting', 'completing'].includes(bp.status.value))

    async function load(): Promise<void> {
      failed.value = undefined
      try {
        loaded.value = await bp.client.providers()
      } catch (error) {
        failed.value = error as BoardingPassError
      }
    }
    onMounted(() => {
      if (!props.providers) void load()
    })

    return () => {
      const list = props.providers ?? loaded.value
      if (failed.value && !list) {
        return h('div', { role: 'alert', 'data-test-id': 'providers-failed' }, [
          h('p', 'The sign-in options could not be loaded.'),
          h('button', { type: 'button', onClick: load }, 'Try again'),
        ])
      }
      if (!list) return h('p', { role: 'status', 'data-test-id': 'providers-loading' }, 'Loading sign-in options…')
      return h(
        'ul',
        { 'aria-busy': busy.value, 'data-test-id': 'providers' },
        list.map((provider) =>
          h(
            'li',
            { key: provider.id },
            h(
              'button',
              {
                type: 'button',
                disabled: busy.value,
                'data-test-id': `provider-${provider.id}`,
                onClick: () => bp.signIn(provider.id, props.returnTo === undefined ? undefined : { returnTo: props.returnTo }),
              },
              slots.default?.({ provider }) ?? `Sign in with ${provider.name}`,
            ),
          ),
        ),
      )
    }
  },
})

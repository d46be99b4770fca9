import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import type { CrossDeviceSignIn, StatusTransport } from '@boarding-pass/client'
import { useBoardingPass } from '@boarding-pass/vue'
import { describeThisDevice } from '../auth/device-name'
import { failureForProblem, toFailure, type AuthFailure } from '../auth/failures'
import { useAuthStore } from './auth'

/**
 * Where a cross-device sign-in stands in this tab:
 * - `idle`: none under way;
 * - `starting`: making the Client Code, calling `auth.start`;
 * - `waiting`: the code is on screen, no phone has opened it yet;
 * - `opened`: a phone entered the code and is being asked to confirm;
 * - `completing`: approved; redeeming both codes;
 * - `signed-in`: done (the client holds the login);
 * - `denied`, `expired`: the phone declined, or time ran out (`failure` says so);
 * - `failed`: a refusal or no answer from the service (`failure` says which).
 */
export type CrossDevicePhase =
  'idle' | 'starting' | 'waiting' | 'opened' | 'completing' | 'signed-in' | 'denied' | 'expired' | 'failed'

/** What the waiting screen shows (no secret in it). */
export type DeviceFlowView = Pick<
  CrossDeviceSignIn,
  'flowId' | 'userCode' | 'verificationUri' | 'verificationUriComplete' | 'expiresAt' | 'interval'
> & { deviceName: string }

const LIVE_PHASES: readonly CrossDevicePhase[] = ['starting', 'waiting', 'opened', 'completing']

/**
 * Sign in with your phone, as the panel shows it: the client starts, watches
 * and completes the flow (and resumes it after a reload); this store turns its
 * statuses into phases and failures into words.
 */
export const useCrossDeviceStore = defineStore('cross-device', () => {
  const { client } = useBoardingPass()
  const auth = useAuthStore()
  const phase = ref<CrossDevicePhase>('idle')
  const flow = shallowRef<DeviceFlowView>()
  const failure = shallowRef<AuthFailure>()
  const transport = ref<StatusTransport>()
  let current: CrossDeviceSignIn | undefined
  let stopListening: (() => void) | undefined

  const isLive = computed(() => LIVE_PHASES.includes(phase.value))

  // Signed in meanwhile in another tab: this flow is not needed any more.
  watch(
    () => auth.status,
    (status) => {
      if (status === 'signed-in' && phase.value !== 'completing' && phase.value !== 'signed-in' && isLive.value) cancel()
    },
  )
  // The page goes (or the store is disposed): stop listening, but keep the flow, so a reload can resume it.
  onScopeDispose(() => {
    stopListening?.()
    current = undefined
  })

  /** Shows the flow this tab was waiting on before a reload, or starts a new one. */
  function begin(): Promise<void> {
    return resume() ? Promise.resolve() : start()
  }

  async function start(): Promise<void> {
    if (phase.value === 'starting' || phase.value === 'completing') return
    giveUp()
    phase.value = 'starting'
    auth.dismiss()
    auth.clearSteps()
    try {
      follow(await client.startCrossDevice({ deviceName: describeThisDevice(navigator.userAgent) }))
    } catch (error) {
      if (phase.value !== 'starting') return
      failure.value = toFailure(error)
      phase.value = 'failed'
    }
  }

  /** Picks up the flow this tab kept before a reload, if one is still live. True when it did. */
  function resume(): boolean {
    if (isLive.value) return true
    const resumed = client.resumeCrossDevice()
    if (!resumed) return false
    giveUp()
    follow(resumed)
    return true
  }

  function follow(next: CrossDeviceSignIn): void {
    current = next
    flow.value = {
      flowId: next.flowId,
      userCode: next.userCode,
      verificationUri: next.verificationUri,
      verificationUriComplete: next.verificationUriComplete,
      expiresAt: next.expiresAt,
      interval: next.interval,
      deviceName: next.deviceName ?? describeThisDevice(navigator.userAgent),
    }
    phase.value = 'waiting'
    failure.value = undefined
    transport.value = next.via
    stopListening = next.onChange((f) => {
      if (f !== current) return
      transport.value = f.via
      if (f.status === 'opened' && phase.value === 'waiting') phase.value = 'opened'
      else if (f.status === 'approved') phase.value = 'completing'
    })
    next.result.then(
      async () => {
        await auth.verified()
        if (next !== current) return
        phase.value = 'signed-in'
        flow.value = undefined
        transport.value = undefined
      },
      (error: { reason?: string }) => {
        if (next !== current || error.reason === 'cancelled') return
        transport.value = undefined
        if (error.reason === 'cross_device_denied') end('denied', failureForProblem('cross_device_denied'))
        else if (error.reason === 'cross_device_expired') end('expired', failureForProblem('cross_device_expired'))
        else {
          // Shown in the panel, not twice: the tab itself is simply not signed in.
          client.clearError()
          end('failed', toFailure(error))
        }
      },
    )
  }

  /** Gives the flow up (the user chose another way); the server lets it expire. */
  function cancel(): void {
    giveUp()
    phase.value = 'idle'
  }

  function giveUp(): void {
    stopListening?.()
    stopListening = undefined
    const leaving = current
    current = undefined
    leaving?.cancel()
    flow.value = undefined
    failure.value = undefined
    transport.value = undefined
  }

  function end(next: 'denied' | 'expired' | 'failed', why: AuthFailure): void {
    failure.value = why
    phase.value = next
  }

  return { phase, flow, failure, transport, isLive, begin, start, resume, cancel }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useCrossDeviceStore, import.meta.hot))

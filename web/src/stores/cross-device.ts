import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import { createClientCodePair, type FlowStatusOutput } from '@boarding-pass/shared'
import { createApiClient } from '../api/client'
import { describeThisDevice } from '../auth/device-name'
import { forgetDeviceFlow, pendingDeviceFlow, rememberDeviceFlow, type DeviceFlowView } from '../auth/device-flow-storage'
import { failureForProblem, reasonOf, toFailure, type AuthFailure } from '../auth/failures'
import { watchFlowStatus, type StatusTransport } from '../auth/flow-watch'
import { clientCodeStep, type FlowStep } from '../auth/inspector'
import { mask } from '../auth/mask'
import { useAuthStore } from './auth'

/**
 * Where a cross-device sign-in stands in this tab:
 * - `idle`: none under way;
 * - `starting`: making the Client Code, calling `auth.start`;
 * - `waiting`: the code is on screen, no phone has opened it yet;
 * - `opened`: a phone entered the code and is being asked to confirm;
 * - `completing`: approved; redeeming both codes;
 * - `signed-in`: done (the auth store holds the login);
 * - `denied`, `expired`: the phone declined, or time ran out (`failure` says so);
 * - `failed`: a refusal or no answer from the service (`failure` says which).
 */
export type CrossDevicePhase =
  'idle' | 'starting' | 'waiting' | 'opened' | 'completing' | 'signed-in' | 'denied' | 'expired' | 'failed'

/** The phases in which the flow is still live (a code on screen, or about to be). */
const LIVE_PHASES: readonly CrossDevicePhase[] = ['starting', 'waiting', 'opened', 'completing']

/**
 * How long past `expiresAt` this tab waits for the server to say `expired`
 * before saying it itself (the stream and the polls both failing, say). Leaves
 * room for a small clock difference between this device and the server.
 */
const EXPIRY_GRACE_MS = 5_000

const STATUS_TITLES: Record<Exclude<FlowStatusOutput['status'], 'pending'>, string> = {
  opened: 'Opened on your phone',
  approved: 'Approved on your phone',
  denied: 'Declined on your phone',
  expired: 'The code expired',
}

/**
 * Sign in with your phone (v1.1 cross-device flow) from this tab. This tab
 * keeps the Client Code (in memory, and in sessionStorage under its flowId so
 * a reload can resume); the phone approves; the Server Code arrives over
 * `auth.watch` (or `auth.poll` when the stream drops), and the auth store
 * redeems it exactly as it redeems a redirect flow's, so the login is the same.
 */
export const useCrossDeviceStore = defineStore('cross-device', () => {
  const auth = useAuthStore()
  const phase = ref<CrossDevicePhase>('idle')
  /** What the waiting screen shows (no secret in it). */
  const flow = shallowRef<DeviceFlowView>()
  const failure = shallowRef<AuthFailure>()
  /** How statuses arrive right now. */
  const transport = ref<StatusTransport>()

  const api = createApiClient(() => undefined)
  let clientCode: string | undefined
  let stopWatching: (() => void) | undefined
  let expiryTimer: ReturnType<typeof setTimeout> | undefined
  let watchStep: FlowStep | undefined
  /** Bumped whenever a flow is given up, so late answers of the old one are ignored. */
  let run = 0

  const isLive = computed(() => LIVE_PHASES.includes(phase.value))

  // Signed in meanwhile in another tab (the auth store adopted its login): this flow is not needed any more.
  watch(
    () => auth.status,
    (status) => {
      if (status === 'signed-in' && phase.value !== 'completing' && phase.value !== 'signed-in' && isLive.value) cancel()
    },
  )
  // Leaving the page (a reload, say) cuts the stream: not a drop to fall back from. Back from the bfcache: watch again.
  window.addEventListener('pagehide', onPageHide)
  window.addEventListener('pageshow', onPageShow)
  onScopeDispose(() => {
    halt()
    window.removeEventListener('pagehide', onPageHide)
    window.removeEventListener('pageshow', onPageShow)
  })

  /** Shows the flow this tab was waiting on before a reload, or starts a new one. */
  function begin(): Promise<void> {
    return resume() ? Promise.resolve() : start()
  }

  /** Step 0–1: a new Client Code, `auth.start` in cross-device mode, then watch. */
  async function start(): Promise<void> {
    if (phase.value === 'starting' || phase.value === 'completing') return
    giveUp()
    const current = run
    phase.value = 'starting'
    auth.dismiss()
    auth.clearSteps()
    let step: FlowStep | undefined
    try {
      const pair = await createClientCodePair()
      auth.recordStep(
        clientCodeStep(
          pair,
          'The Client Code stays in this tab until step 3; only its hash is sent. The phone never sees either.',
        ),
      )
      const input = {
        mode: 'cross-device' as const,
        clientCodeHash: pair.clientCodeHash,
        hashMethod: pair.hashMethod,
        deviceName: describeThisDevice(navigator.userAgent),
      }
      step = auth.recordStep({
        stage: 1,
        title: 'Start a cross-device flow',
        action: 'auth.start',
        sent: { ...input, clientCodeHash: mask(input.clientCodeHash) },
      })
      const started = await api.auth.start.mutate(input)
      if (current !== run) return
      if (!('userCode' in started)) throw new Error('auth.start did not answer with a userCode')
      const view: DeviceFlowView = {
        flowId: started.flowId,
        userCode: started.userCode,
        verificationUri: started.verificationUri,
        verificationUriComplete: started.verificationUriComplete,
        expiresAt: Date.parse(started.expiresAt),
        interval: started.interval,
        deviceName: input.deviceName,
      }
      clientCode = pair.clientCode
      rememberDeviceFlow({ ...view, clientCode: pair.clientCode })
      auth.settleStep(step, {
        received: {
          flowId: mask(view.flowId),
          userCode: view.userCode,
          verificationUri: view.verificationUri,
          expiresAt: started.expiresAt,
          interval: `${view.interval} s`,
        },
        note: `Client Code kept in memory, and in sessionStorage as boarding-pass:device-flow:${mask(view.flowId)} so a reload can resume.`,
      })
      follow(view)
    } catch (error) {
      if (current !== run) return
      auth.settleStep(step, { status: 'failed', received: { reason: reasonOf(error) ?? 'no answer' } })
      end('failed', toFailure(error))
    }
  }

  /** Picks up the flow this tab kept before a reload, if one is still live. True when it did. */
  function resume(): boolean {
    if (isLive.value) return true
    const pending = pendingDeviceFlow()
    if (!pending) return false
    giveUp()
    const { clientCode: kept, ...view } = pending
    clientCode = kept
    for (const action of ['auth.watch', 'auth.poll']) {
      auth.settleSteps(action, { status: 'failed', note: 'The page was reloaded.' })
    }
    auth.recordStep({
      title: 'Resume after a reload',
      action: 'sessionStorage',
      received: { flowId: mask(view.flowId), userCode: view.userCode },
      note: 'The Client Code was kept under its flowId; watching the same flow again.',
      status: 'done',
    })
    follow(view)
    return true
  }

  /** Step 2: show the code and wait for the phone. */
  function follow(view: DeviceFlowView): void {
    const current = run
    flow.value = view
    phase.value = 'waiting'
    failure.value = undefined
    transport.value = undefined
    clearTimeout(expiryTimer)
    expiryTimer = setTimeout(
      () => {
        if (current !== run || !isLive.value || phase.value === 'completing') return
        onStatus({ status: 'expired' }, undefined)
      },
      Math.max(0, view.expiresAt - Date.now()) + EXPIRY_GRACE_MS,
    )
    watchStep = auth.recordStep({
      stage: 2,
      title: 'Wait for your phone',
      action: 'auth.watch',
      sent: { flowId: mask(view.flowId) },
      note: 'A Server-Sent Events stream: the status arrives as soon as it changes.',
    })
    stopWatching = watchFlowStatus(api, view.flowId, view.interval, {
      live: () => {
        if (current === run) transport.value = 'stream'
      },
      fellBack: () => {
        if (current !== run) return
        transport.value = 'poll'
        auth.settleStep(watchStep, { status: 'failed', note: 'The stream dropped.' })
        watchStep = auth.recordStep({
          stage: 2,
          title: 'Poll instead',
          action: 'auth.poll',
          sent: { flowId: mask(view.flowId) },
          note: `The stream dropped: asking every ${view.interval} s instead.`,
        })
      },
      status: (value, via) => {
        if (current === run) onStatus(value, via)
      },
      refused: (error) => {
        if (current !== run) return
        // The flow is gone from the server: its state outlives expiry only so long.
        if (reasonOf(error) === 'invalid_grant') return onStatus({ status: 'expired' }, undefined)
        auth.settleStep(watchStep, { status: 'failed', received: { reason: reasonOf(error) ?? 'no answer' } })
        end('failed', toFailure(error))
      },
    })
  }

  function onStatus(value: FlowStatusOutput, via: StatusTransport | undefined): void {
    if (value.status === 'pending') return
    const source = via === 'stream' ? 'auth.watch' : via === 'poll' ? 'auth.poll' : 'this tab’s clock'
    auth.recordStep({
      stage: 2,
      title: STATUS_TITLES[value.status],
      action: `status: ${value.status}`,
      received: { status: value.status, ...(value.serverCode ? { serverCode: mask(value.serverCode) } : {}), via: source },
      status: value.status === 'opened' || value.status === 'approved' ? 'done' : 'failed',
    })
    if (value.status === 'opened') {
      if (phase.value === 'waiting') phase.value = 'opened'
      return
    }
    auth.settleStep(watchStep, { status: value.status === 'approved' ? 'done' : 'failed', received: { status: value.status } })
    if (value.status === 'approved' && value.serverCode) void complete(value.serverCode)
    else if (value.status === 'denied') end('denied', failureForProblem('cross_device_denied'))
    else if (value.status === 'expired') end('expired', failureForProblem('cross_device_expired'))
    else end('failed', failureForProblem('unexpected'))
  }

  /** Steps 3–4, through the auth store: the same redemption, login and check as after a redirect. */
  async function complete(serverCode: string): Promise<void> {
    const code = clientCode
    const flowId = flow.value?.flowId
    halt()
    // A Client Code is used once: forgotten before the request goes out.
    clientCode = undefined
    if (flowId) forgetDeviceFlow(flowId)
    if (!code) return end('failed', failureForProblem('flow_not_found'))
    phase.value = 'completing'
    try {
      await auth.signInWithCodes(code, serverCode)
      phase.value = 'signed-in'
      flow.value = undefined
    } catch (error) {
      end('failed', toFailure(error))
    }
  }

  /** Gives the flow up (the user chose another way); the server lets it expire. */
  function cancel(): void {
    if (isLive.value) {
      for (const action of ['auth.start', 'auth.watch', 'auth.poll']) {
        auth.settleSteps(action, { status: 'failed', note: 'Given up on this device.' })
      }
    }
    giveUp()
    phase.value = 'idle'
  }

  /** Stops following the current flow and forgets it and its Client Code. */
  function giveUp(): void {
    run++
    halt()
    if (flow.value) forgetDeviceFlow(flow.value.flowId)
    clientCode = undefined
    flow.value = undefined
    failure.value = undefined
    transport.value = undefined
  }

  function end(next: 'denied' | 'expired' | 'failed', why: AuthFailure): void {
    halt()
    if (flow.value) forgetDeviceFlow(flow.value.flowId)
    clientCode = undefined
    failure.value = why
    phase.value = next
  }

  function onPageHide(): void {
    if (stopWatching) halt()
  }

  function onPageShow(event: PageTransitionEvent): void {
    if (event.persisted && !stopWatching && flow.value && (phase.value === 'waiting' || phase.value === 'opened')) {
      follow(flow.value)
    }
  }

  function halt(): void {
    stopWatching?.()
    stopWatching = undefined
    transport.value = undefined
    clearTimeout(expiryTimer)
  }

  return { phase, flow, failure, transport, isLive, begin, start, resume, cancel }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useCrossDeviceStore, import.meta.hot))

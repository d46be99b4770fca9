import { type BoardingPassError, clientError, isBoardingPassError } from './errors.js'
import type { CrossDeviceSignIn, FlowStep } from './client-types.js'
import { maskSecret } from './events.js'
import type { FlowStore, PendingDeviceFlow } from './flows.js'
import type { Transport } from './transport.js'
import type { CrossDeviceStatus, TokenResponse, User } from './types.js'
import { watchFlowStatus, type StatusTransport, type StatusValue } from './watch.js'

const STATUS_TITLES: Record<CrossDeviceStatus, string> = {
  pending: 'Waiting for the phone',
  opened: 'Opened on the phone',
  approved: 'Approved on the phone',
  denied: 'Declined on the phone',
  expired: 'The code expired',
}

/** How long past `expiresAt` a cross-device flow waits for the server to say `expired`. */
const EXPIRY_GRACE_MS = 5_000

/** What a cross-device flow needs from the client it belongs to. */
export interface CrossDeviceDeps {
  transport: Transport
  flows: FlowStore
  record(step: Omit<FlowStep, 'id' | 'at' | 'status'> & { status?: FlowStep['status'] }): FlowStep
  settle(step: FlowStep | undefined, patch?: Partial<Omit<FlowStep, 'id'>>): void
  /** Step 3, as for a redirect flow (`auth.complete`): the tokens, not kept yet. */
  exchange(clientCode: string, serverCode: string): Promise<TokenResponse>
  /** Makes the tokens the client's login (stored, shared, signed in): the same login as a redirect flow's. */
  keep(response: TokenResponse, via: 'cross-device'): User
  /** Puts the client's status back while "Continue as …?" waits: nothing is kept meanwhile. */
  unsettled(): void
  /** `auth.logout` for tokens never kept; `keepalive` for a page that is closing. */
  discard(refreshToken: string, keepalive?: boolean): Promise<void>
  /** The client's live flows, stopped (and kept for a resume) when it is disposed. */
  watches: Set<() => void>
}

/**
 * Watches a cross-device flow (the stream, or polling) until it ends, and
 * redeems it when the phone approves; with `confirm`, keeps the login only if
 * the user says yes to "Continue as …?" (and signs it out otherwise). The
 * handle it returns is what `startCrossDevice` and `resumeCrossDevice` give the app.
 */
export function followCrossDevice(
  pending: PendingDeviceFlow,
  mode: 'auto' | 'poll',
  confirm: ((user: User) => boolean | Promise<boolean>) | undefined,
  deps: CrossDeviceDeps,
): CrossDeviceSignIn {
  const { transport, flows, record, settle, exchange, keep, unsettled, discard, watches } = deps
  const { clientCode, ...view } = pending
  const listeners = new Set<(flow: CrossDeviceSignIn) => void>()
  let status: CrossDeviceStatus = 'pending'
  let via: StatusTransport | undefined
  let over = false
  let resolve!: (user: User) => void
  let reject!: (error: BoardingPassError) => void
  const result = new Promise<User>((res, rej) => {
    resolve = res
    reject = rej
  })
  result.catch(() => undefined)
  /** Set while "Continue as …?" waits: answers no at once (cancel, dispose, the page closing). */
  let abandon: ((why: 'cancelled' | 'page-hidden') => void) | undefined
  const changed = () => listeners.forEach((listener) => listener(flow))
  let watchStep = record({
    stage: 2,
    title: 'Wait for the phone',
    action: 'auth.watch',
    sent: { flowId: maskSecret(view.flowId) },
  })

  /** Ends the flow here; `keep` leaves it in storage for a later `resumeCrossDevice` (the client was disposed, not the flow). */
  const end = (error: BoardingPassError | undefined, user?: User, keep = false) => {
    if (over) return
    over = true
    stop()
    watches.delete(stopAll)
    clearTimeout(expiry)
    if (!keep) flows.forgetDevice(view.flowId)
    if (error) reject(error)
    else resolve(user!)
  }

  const onStatus = (value: StatusValue, source: StatusTransport | undefined) => {
    if (over) return
    status = value.status
    if (source) via = source
    if (value.status !== 'pending')
      record({
        stage: 2,
        title: STATUS_TITLES[value.status],
        action: `status: ${value.status}`,
        received: {
          status: value.status,
          ...(value.serverCode ? { serverCode: maskSecret(value.serverCode) } : {}),
          via: source === 'poll' ? 'auth.poll' : source === 'stream' ? 'auth.watch' : 'this device’s clock',
        },
        status: value.status === 'denied' || value.status === 'expired' ? 'failed' : 'done',
      })
    changed()
    if (value.status === 'approved' && value.serverCode) {
      settle(watchStep)
      stop()
      clearTimeout(expiry)
      flows.forgetDevice(view.flowId)
      void complete(value.serverCode)
    } else if (value.status === 'denied') {
      settle(watchStep, { status: 'failed' })
      end(clientError('cross_device_denied'))
    } else if (value.status === 'expired') {
      settle(watchStep, { status: 'failed' })
      end(clientError('cross_device_expired'))
    }
  }

  /** Step 3, then (with `confirm`) the question, then keep the login or sign it out. */
  async function complete(serverCode: string): Promise<void> {
    let response: TokenResponse
    try {
      response = await exchange(clientCode, serverCode)
    } catch (error) {
      return end(isBoardingPassError(error) ? error : clientError('unexpected', error))
    }
    if (!confirm) return end(undefined, keep(response, 'cross-device'))
    unsettled()
    const { user } = response
    const ask = record({
      title: 'Continue as this account?',
      action: 'confirm(user)',
      received: { user: user.email ?? user.name ?? user.id, provider: user.provider },
      note: 'The tokens wait in memory only: not stored, not signed in, until the answer.',
    })
    let hidden = false
    const answered = new Promise<boolean>((done) => {
      abandon = (why) => {
        hidden = why === 'page-hidden'
        done(false)
      }
    })
    // Closing or reloading the page is a no: the login is ended on the way out, and never restored.
    const win = typeof window === 'undefined' ? undefined : window
    const onHide = () => {
      void discard(response.refreshToken, true).catch(() => undefined)
      abandon?.('page-hidden')
    }
    win?.addEventListener('pagehide', onHide)
    changed()
    let yes = false
    try {
      yes = (await Promise.race([Promise.resolve().then(() => confirm(user)), answered])) === true
    } catch {
      yes = false
    }
    win?.removeEventListener('pagehide', onHide)
    abandon = undefined
    if (yes) {
      settle(ask, { note: 'Continue: the login is kept.' })
      return end(undefined, keep(response, 'cross-device'))
    }
    settle(ask, { status: 'failed', note: hidden ? 'The page closed before an answer.' : 'No, this isn’t me.' })
    let failure: BoardingPassError | undefined
    if (!hidden) {
      const out = record({
        title: 'Sign that account out',
        action: 'auth.logout',
        sent: { refreshToken: maskSecret(response.refreshToken) },
      })
      try {
        await discard(response.refreshToken)
        settle(out, { received: { ok: 'true' }, note: 'Nothing was kept on this device.' })
      } catch (error) {
        failure = isBoardingPassError(error) ? error : clientError('unexpected', error)
        settle(out, { status: 'failed', received: { reason: failure.reason }, note: 'Nothing was kept on this device.' })
      }
    }
    end(clientError('cross_device_refused', failure))
  }

  const stop = watchFlowStatus(
    transport,
    view.flowId,
    view.interval,
    {
      live: () => {
        via = 'stream'
        changed()
      },
      fellBack: () => {
        via = 'poll'
        settle(watchStep, { status: 'failed', note: 'The stream dropped.' })
        watchStep = record({
          stage: 2,
          title: 'Poll instead',
          action: 'auth.poll',
          sent: { flowId: maskSecret(view.flowId) },
          note: `Asking every ${view.interval} s.`,
        })
        changed()
      },
      status: onStatus,
      refused: (error) => {
        // The flow is gone from the server: its state outlives expiry only so long.
        if (error.reason === 'invalid_grant') return onStatus({ status: 'expired' }, undefined)
        settle(watchStep, { status: 'failed', received: { reason: error.reason } })
        end(error)
      },
    },
    { stream: mode === 'auto' },
  )
  const expiry = setTimeout(
    () => onStatus({ status: 'expired' }, undefined),
    Math.max(0, view.expiresAt - Date.now()) + EXPIRY_GRACE_MS,
  )
  ;(expiry as { unref?: () => void }).unref?.()
  const stopAll = () => (abandon ? abandon('cancelled') : end(clientError('cancelled'), undefined, true))
  watches.add(stopAll)

  const flow: CrossDeviceSignIn = {
    ...view,
    deviceName: view.deviceName,
    get status() {
      return status
    },
    get via() {
      return via
    },
    onChange(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    result,
    cancel: () => {
      if (abandon) return abandon('cancelled')
      if (!over) settle(watchStep, { status: 'failed', note: 'Given up on this device.' })
      end(clientError('cancelled'))
    },
  }
  return flow
}

import { type BoardingPassError, clientError, isBoardingPassError } from './errors.js'
import type { CrossDeviceSignIn, FlowStep } from './client-types.js'
import { maskSecret } from './events.js'
import type { FlowStore, PendingDeviceFlow } from './flows.js'
import type { Transport } from './transport.js'
import type { CrossDeviceStatus, User } from './types.js'
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
  /** Step 3, as for a redirect flow: the login it opens is the same. */
  redeem(clientCode: string, serverCode: string, via: 'cross-device'): Promise<User>
  /** The client's live flows, stopped (and kept for a resume) when it is disposed. */
  watches: Set<() => void>
}

/**
 * Watches a cross-device flow (the stream, or polling) until it ends, and
 * redeems it when the phone approves. The handle it returns is what
 * `startCrossDevice` and `resumeCrossDevice` give the app.
 */
export function followCrossDevice(pending: PendingDeviceFlow, mode: 'auto' | 'poll', deps: CrossDeviceDeps): CrossDeviceSignIn {
  const { transport, flows, record, settle, redeem, watches } = deps
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
      redeem(clientCode, value.serverCode, 'cross-device').then(
        (user) => end(undefined, user),
        (error: unknown) => end(isBoardingPassError(error) ? error : clientError('unexpected', error)),
      )
    } else if (value.status === 'denied') {
      settle(watchStep, { status: 'failed' })
      end(clientError('cross_device_denied'))
    } else if (value.status === 'expired') {
      settle(watchStep, { status: 'failed' })
      end(clientError('cross_device_expired'))
    }
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
  const stopAll = () => end(clientError('cancelled'), undefined, true)
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
      if (!over) settle(watchStep, { status: 'failed', note: 'Given up on this device.' })
      end(clientError('cancelled'))
    },
  }
  return flow
}

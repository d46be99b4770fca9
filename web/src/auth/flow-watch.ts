import type { FlowStatusOutput } from '@boarding-pass/shared'
import type { ApiClient } from '../api/client'
import { reasonOf } from './failures'

/** How a status reached this tab: the live stream (`auth.watch`) or a poll (`auth.poll`). */
export type StatusTransport = 'stream' | 'poll'

/** What {@link watchFlowStatus} reports. After a final status, or `refused`, nothing more comes. */
export interface FlowStatusListener {
  /** The stream is connected: changes arrive as they happen. */
  live(): void
  /** The stream dropped, or could not be opened: polling `auth.poll` every `interval` from now on. */
  fellBack(): void
  /** A new status (each one once, in order). */
  status(value: FlowStatusOutput, via: StatusTransport): void
  /** The server refused to say (`invalid_grant`: the flow is unknown, or forgotten after it ended). */
  refused(error: unknown): void
}

/**
 * `approved`, `denied` and `expired` end a flow. (Not the shared `isFinalStatus`:
 * its module builds the zod schemas, which this bundle does not otherwise need.)
 */
function isFinal(status: FlowStatusOutput['status']): boolean {
  return status === 'approved' || status === 'denied' || status === 'expired'
}

/** How long after the stream drops the first poll goes out. */
const FALL_BACK_AFTER_MS = 500

/** Longest wait between polls while the service cannot be reached. */
const MAX_POLL_BACKOFF_MS = 15_000

/**
 * Follows a cross-device flow until it ends: `auth.watch` over Server-Sent
 * Events first; if the stream drops or cannot be opened, `auth.poll` every
 * `intervalSeconds` (the server refuses faster polls), slower while the
 * service is unreachable. Returns a function that stops everything.
 */
export function watchFlowStatus(
  api: ApiClient,
  flowId: string,
  intervalSeconds: number,
  listener: FlowStatusListener,
): () => void {
  const interval = Math.max(1, intervalSeconds) * 1000
  let stopped = false
  let polling = false
  let last: FlowStatusOutput['status'] | undefined
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let failedPolls = 0
  /** The `auth.watch` subscription, once `subscribe` has returned (a callback could in principle run before). */
  const stream: { subscription?: { unsubscribe(): void } } = {}

  function stop(): void {
    stopped = true
    stream.subscription?.unsubscribe()
    clearTimeout(pollTimer)
  }

  function deliver(value: FlowStatusOutput, via: StatusTransport): void {
    if (stopped || value.status === last) return
    last = value.status
    if (isFinal(value.status)) stop()
    listener.status(value, via)
  }

  /** A refusal that polling would only repeat ends the watch; anything else (no answer, rate_limited, store_unavailable) is worth another try. */
  function isFinalRefusal(error: unknown): boolean {
    const reason = reasonOf(error)
    return reason !== undefined && reason !== 'rate_limited' && reason !== 'store_unavailable'
  }

  function refuse(error: unknown): void {
    if (stopped) return
    stop()
    listener.refused(error)
  }

  /**
   * Switches to polling, after a short pause: a page that is being left (a
   * reload) loses its stream a moment before it goes, and must not record that
   * as a drop.
   */
  function fallBack(): void {
    if (stopped || polling) return
    polling = true
    stream.subscription?.unsubscribe()
    pollTimer = setTimeout(() => {
      if (stopped) return
      listener.fellBack()
      void poll()
    }, FALL_BACK_AFTER_MS)
  }

  async function poll(): Promise<void> {
    if (stopped) return
    try {
      const value = await api.auth.poll.mutate({ flowId })
      failedPolls = 0
      deliver(value, 'poll')
    } catch (error) {
      if (isFinalRefusal(error)) return refuse(error)
      if (reasonOf(error) !== 'rate_limited') failedPolls++
    }
    if (!stopped) pollTimer = setTimeout(() => void poll(), Math.min(MAX_POLL_BACKOFF_MS, interval * 2 ** failedPolls))
  }

  const subscription = api.auth.watch.subscribe(
    { flowId },
    {
      onStarted: () => {
        if (!stopped && !polling) listener.live()
      },
      onData: (value) => deliver(value, 'stream'),
      onConnectionStateChange: (state) => {
        // `connecting` with an error: the stream broke (EventSource would retry on its own; polling is steadier).
        if (state.state === 'connecting' && state.error) fallBack()
      },
      onError: (error) => (isFinalRefusal(error) ? refuse(error) : fallBack()),
      // The server ends the stream after a final status; ending before one means it was cut.
      onComplete: () => fallBack(),
    },
  )
  stream.subscription = subscription
  if (stopped || polling) subscription.unsubscribe()

  return stop
}

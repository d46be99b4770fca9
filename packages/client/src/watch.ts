import { type BoardingPassError, isBoardingPassError, serverError } from './errors.js'
import { readEvents } from './sse.js'
import type { Transport } from './transport.js'
import type { CrossDeviceStatus } from './types.js'

/** How a status reached the client: the live stream (`auth.watch`) or a poll (`auth.poll`). */
export type StatusTransport = 'stream' | 'poll'

export interface StatusValue {
  status: CrossDeviceStatus
  serverCode?: string
}

/** What {@link watchFlowStatus} reports. After a final status, or `refused`, nothing more comes. */
export interface FlowStatusListener {
  live(): void
  fellBack(): void
  status(value: StatusValue, via: StatusTransport): void
  refused(error: BoardingPassError): void
}

/** How long after the stream drops the first poll goes out (a page being left loses its stream a moment early). */
const FALL_BACK_AFTER_MS = 500
/** Longest wait between polls while the service cannot be reached. */
const MAX_POLL_BACKOFF_MS = 15_000

const isFinal = (status: CrossDeviceStatus) => status === 'approved' || status === 'denied' || status === 'expired'

/** A refusal that polling would only repeat; anything else (no answer, rate_limited, store_unavailable) is worth another try. */
function isFinalRefusal(error: unknown): error is BoardingPassError {
  return (
    isBoardingPassError(error) &&
    error.source === 'server' &&
    !['rate_limited', 'store_unavailable', 'unexpected'].includes(error.reason)
  )
}

/**
 * Follows a cross-device flow until it ends: `auth.watch` over Server-Sent
 * Events first (tRPC's SSE format, read with fetch); if the stream drops or
 * cannot be opened, `auth.poll` every `interval` seconds (the server refuses
 * faster polls), backing off while the service is unreachable. Returns a
 * function that stops everything.
 */
export function watchFlowStatus(
  transport: Transport,
  flowId: string,
  intervalSeconds: number,
  listener: FlowStatusListener,
  options: { stream: boolean },
): () => void {
  const interval = Math.max(1, intervalSeconds) * 1000
  const abort = new AbortController()
  let stopped = false
  let polling = false
  let last: CrossDeviceStatus | undefined
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let failedPolls = 0

  function stop(): void {
    stopped = true
    abort.abort()
    clearTimeout(pollTimer)
  }

  function deliver(value: StatusValue, via: StatusTransport): void {
    if (stopped || value.status === last) return
    last = value.status
    if (isFinal(value.status)) stop()
    listener.status(value, via)
  }

  function refuse(error: BoardingPassError): void {
    if (stopped) return
    stop()
    listener.refused(error)
  }

  function fallBack(delay = FALL_BACK_AFTER_MS): void {
    if (stopped || polling) return
    polling = true
    abort.abort()
    pollTimer = setTimeout(() => {
      if (stopped) return
      listener.fellBack()
      void poll()
    }, delay)
  }

  async function poll(): Promise<void> {
    if (stopped) return
    try {
      deliver(await transport.mutation<StatusValue>('auth.poll', { flowId }), 'poll')
      failedPolls = 0
    } catch (error) {
      if (isFinalRefusal(error)) return refuse(error)
      if (!isBoardingPassError(error, 'rate_limited')) failedPolls++
    }
    if (!stopped) pollTimer = setTimeout(() => void poll(), Math.min(MAX_POLL_BACKOFF_MS, interval * 2 ** failedPolls))
  }

  async function stream(): Promise<void> {
    const request = new Request(transport.procedureUrl('auth.watch', { flowId }), {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    })
    try {
      const response = await transport.send(request)
      if (!response.ok || !response.body) {
        const body: unknown = await response.json().catch(() => undefined)
        const error = serverError(body, response.status)
        return isFinalRefusal(error) ? refuse(error) : fallBack()
      }
      for await (const event of readEvents(response.body)) {
        if (stopped) return
        if (event.event === 'connected') {
          if (!polling) listener.live()
        } else if (event.event === 'message') {
          deliver(JSON.parse(event.data) as StatusValue, 'stream')
        } else if (event.event === 'serialized-error') {
          const shape = JSON.parse(event.data) as { data?: { httpStatus?: number } }
          const error = serverError({ error: shape }, shape.data?.httpStatus ?? 500)
          return isFinalRefusal(error) ? refuse(error) : fallBack()
        } else if (event.event === 'return') {
          break
        }
      }
    } catch {
      // a cut stream, or our own abort
    }
    // The server ends the stream after a final status; ending before one means it was cut.
    fallBack()
  }

  if (options.stream) void stream()
  else fallBack(0)
  return stop
}

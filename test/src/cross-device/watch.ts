import type { FlowStatusOutput } from '@boarding-pass/shared'

/** One Server-Sent Event as tRPC sends it (`connected`, `message`, `ping`, `return`, `serialized-error`). */
export interface SseEvent {
  event: string
  data: string
  /** `performance.now()` when it arrived. */
  at: number
}

/** A live `auth.watch` over plain HTTP: every event it sent, as it arrives. */
export interface Watcher {
  events: SseEvent[]
  /** The statuses yielded so far, in order. */
  statuses(): FlowStatusOutput[]
  /** Resolves with the first event (already received or still to come) that matches. */
  waitFor(match: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>
  /** Resolves with the event that carried `status`. */
  waitForStatus(status: FlowStatusOutput['status'], timeoutMs?: number): Promise<SseEvent & { value: FlowStatusOutput }>
  /** Resolves when the server closes the stream. */
  ended: Promise<void>
  close(): void
}

/**
 * Opens `GET {baseUrl}/trpc/auth.watch?input=…` the way any SSE client would
 * (no tRPC client), and parses the stream line by line (the SSE format).
 * `headers` go with the request (an `x-forwarded-for` a trusted proxy adds, say).
 */
export async function watch(baseUrl: string, flowId: string, headers: Record<string, string> = {}): Promise<Watcher> {
  const abort = new AbortController()
  const input = encodeURIComponent(JSON.stringify({ flowId }))
  const response = await fetch(`${baseUrl}/trpc/auth.watch?input=${input}`, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  })
  if (!response.ok || !response.body) throw new Error(`auth.watch answered ${response.status}`)
  const events: SseEvent[] = []
  const listeners = new Set<() => void>()
  let closed = false
  const ended = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    let event = 'message'
    let data: string[] = []
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let newline: number
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '')
          buffer = buffer.slice(newline + 1)
          if (line === '') {
            if (data.length > 0 || event !== 'message') {
              events.push({ event, data: data.join('\n'), at: performance.now() })
              for (const listener of listeners) listener()
            }
            event = 'message'
            data = []
          } else if (line.startsWith('event:')) event = line.slice(6).trim()
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error
    } finally {
      closed = true
      for (const listener of listeners) listener()
    }
  })()
  ended.catch(() => undefined)

  const statuses = () => events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as FlowStatusOutput)
  const waitFor = (match: (event: SseEvent) => boolean, timeoutMs = 10_000) =>
    new Promise<SseEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find(match)
        if (found) return done(() => resolve(found))
        if (closed) done(() => reject(new Error(`stream ended without it; events: ${JSON.stringify(events)}`)))
      }
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out; events so far: ${JSON.stringify(events)}`))),
        timeoutMs,
      )
      const done = (settle: () => void) => {
        clearTimeout(timer)
        listeners.delete(check)
        settle()
      }
      listeners.add(check)
      check()
    })
  return {
    events,
    statuses,
    waitFor,
    async waitForStatus(status, timeoutMs) {
      const event = await waitFor(
        (e) => e.event === 'message' && (JSON.parse(e.data) as FlowStatusOutput).status === status,
        timeoutMs,
      )
      return { ...event, value: JSON.parse(event.data) as FlowStatusOutput }
    },
    ended,
    close: () => abort.abort(),
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { TRPCError, getErrorShape } from '@trpc/server'
import { AuthError } from '../errors.js'
import { appRouter } from '../routers/_app.js'
import type { Services } from '../services.js'
import { clientAddress } from './client-address.js'

/** Open `auth.watch` streams one flow may have on one process (a TV, a reload or two). */
export const STREAMS_PER_FLOW = 5
/** Open `auth.watch` streams one client address may have on one process. */
export const STREAMS_PER_ADDRESS = 30
/** What a refused stream is told to wait, in seconds. */
const RETRY_AFTER_SECONDS = 5

/**
 * Caps the `auth.watch` Server-Sent-Event streams open at once in this process,
 * per flow and per client address (issue 13 item 5: one address held 298 open).
 * A stream over either cap is refused before tRPC opens it: HTTP 429,
 * `rate_limited`, `Retry-After`. A stream gives its slots back when its
 * response closes, whichever side ends it. The counts are per process, which is
 * what a concurrency cap needs: each process pays for its own open streams.
 *
 * @example
 * const gate = createStreamGate(services)
 * if (procedurePath === 'auth.watch' && gate(req, res, query)) return // refused and answered
 */
export function createStreamGate(
  services: Services,
  limits: { perFlow: number; perAddress: number } = { perFlow: STREAMS_PER_FLOW, perAddress: STREAMS_PER_ADDRESS },
) {
  const open = new Map<string, number>()
  const count = (key: string) => open.get(key) ?? 0
  const add = (key: string, delta: number) => {
    const next = count(key) + delta
    if (next > 0) open.set(key, next)
    else open.delete(key)
  }

  /** True when the stream was refused (and answered); otherwise its slots are taken until `res` closes. */
  return function gateStream(req: IncomingMessage, res: ServerResponse, query: string): boolean {
    const flowId = flowIdOf(query)
    if (flowId === undefined) return false // malformed input: tRPC refuses it (invalid_request)
    const flowKey = `flow:${flowId}`
    const addressKey = `address:${clientAddress(req, services.settings.trustProxyHops)}`
    if (count(flowKey) >= limits.perFlow || count(addressKey) >= limits.perAddress) {
      services.logger.info(
        { cap: count(flowKey) >= limits.perFlow ? 'flow' : 'address' },
        'auth.watch stream over its cap refused',
      )
      refuseStream(res)
      return true
    }
    add(flowKey, 1)
    add(addressKey, 1)
    res.once('close', () => {
      add(flowKey, -1)
      add(addressKey, -1)
    })
    return false
  }
}

/** The `flowId` of an `auth.watch` query string (`input={"flowId":…}`), or undefined. */
function flowIdOf(query: string): string | undefined {
  try {
    const input = new URLSearchParams(query).get('input')
    const flowId = input ? (JSON.parse(input) as { flowId?: unknown }).flowId : undefined
    return typeof flowId === 'string' && flowId.length > 0 && flowId.length <= 128 ? flowId : undefined
  } catch {
    return undefined
  }
}

/** HTTP 429 with tRPC's error envelope, as any other `rate_limited` refusal. */
function refuseStream(res: ServerResponse): void {
  const cause = new AuthError('rate_limited', 'Too many open streams; close one or try again shortly.', {
    retryAfter: RETRY_AFTER_SECONDS,
  })
  const error = new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause })
  const shape = getErrorShape({
    config: appRouter._def._config,
    ctx: undefined,
    error,
    input: undefined,
    path: 'auth.watch',
    type: 'subscription',
  })
  const text = JSON.stringify({ error: shape })
  res.writeHead(429, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'retry-after': String(RETRY_AFTER_SECONDS),
    vary: 'Origin',
  })
  res.end(text)
}

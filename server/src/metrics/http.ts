import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Gauge } from 'prom-client'
import type { Metrics } from './index.js'

/** Routes that are not procedures, labelled by their own fixed path. */
const FIXED_ROUTES = new Set(['/auth/callback', '/link', '/link/answer', '/.well-known/jwks.json', '/healthz', '/readyz'])

/**
 * The `route` label of a request: the procedure name for a call to a known
 * procedure (`auth.start`), `trpc_batch` for a batch of known ones, a fixed
 * route's path, `dev-idp` for the development provider, and `other` for the
 * rest (the SPA's files, unknown paths). Never the raw URL: the label set stays
 * bounded whatever clients send.
 *
 * @example
 * ```ts
 * routeLabel('/trpc/auth.start', new Set(['auth.start'])) // 'auth.start'
 * routeLabel('/trpc/no.such', new Set(['auth.start'])) // 'trpc_unknown'
 * ```
 */
export function routeLabel(path: string, procedures: ReadonlySet<string>): string {
  if (path.startsWith('/trpc/')) {
    const names = path.slice('/trpc/'.length).split(',')
    if (!names.every((name) => procedures.has(name))) return 'trpc_unknown'
    return names.length === 1 ? names[0]! : 'trpc_batch'
  }
  if (FIXED_ROUTES.has(path)) return path
  if (path === '/dev-idp' || path.startsWith('/dev-idp/')) return 'dev-idp'
  return 'other'
}

/**
 * Times one request, from now until its response is finished or its
 * connection closes, into `bp_http_request_duration_seconds`.
 *
 * @example
 * ```ts
 * timeRequest(metrics, procedureNames, req, res)
 * ```
 */
export function timeRequest(
  metrics: Pick<Metrics, 'httpLatency'>,
  procedures: ReadonlySet<string>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const started = process.hrtime.bigint()
  res.once('close', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    metrics.httpLatency.observe(
      { route: routeLabel(path, procedures), method: req.method ?? 'GET', status: String(res.statusCode) },
      seconds,
    )
  })
}

/**
 * Counts a stream as open in `gauge` from its first read until it ends, is
 * ended by the reader, or fails.
 *
 * @example
 * ```ts
 * return countOpen(metrics.watchStreams, watchFlow(services, flowId, signal))
 * ```
 */
export async function* countOpen<T>(gauge: Gauge, stream: AsyncIterable<T>): AsyncGenerator<T> {
  gauge.inc()
  try {
    yield* stream
  } finally {
    gauge.dec()
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * The service's Prometheus instruments, on a registry of their own (one per
 * running app, so two apps in one process, as in the tests, never share
 * counts). Every label value comes from a closed set the code controls
 * (procedure names from the router, limiter names, store tables, contract
 * reasons, configured provider ids): never a user, a token, an address or a raw
 * URL.
 *
 * @example
 * ```ts
 * const metrics = createMetrics()
 * metrics.flowsStarted.inc({ mode: 'redirect', provider: 'dev' })
 * const text = await metrics.registry.metrics() // the exposition, for GET /metrics
 * ```
 */
export interface Metrics {
  readonly registry: Registry
  /** `auth.start` calls that sent a browser to a provider, by mode and provider. */
  readonly flowsStarted: Counter<'mode' | 'provider'>
  /** `auth.complete` calls that opened a login, by provider. */
  readonly flowsCompleted: Counter<'provider'>
  /** Refusals, by step (a procedure name, or `callback` for the provider's return) and contract reason. */
  readonly flowsRefused: Counter<'step' | 'reason'>
  /** Refresh tokens rotated (successful `auth.refresh`). */
  readonly refreshes: Counter
  /** Spent refresh tokens presented again (each revoked a login). */
  readonly refreshTokenReuse: Counter
  /** Logins ended by `auth.logout`. */
  readonly logouts: Counter
  /** Calls refused by a rate limiter, by limiter name. */
  readonly rateLimited: Counter<'limiter'>
  /** Store operations that failed (unreachable, timed out), by table and operation. */
  readonly storeErrors: Counter<'table' | 'op'>
  /** Store operation latency in seconds, by table and operation. */
  readonly storeLatency: Histogram<'table' | 'op'>
  /** `auth.watch` streams open right now on this instance. */
  readonly watchStreams: Gauge
  /** New signing keys this instance published into the shared set. */
  readonly keyRotations: Counter
  /** HTTP request latency in seconds, by route (a procedure name or a fixed route name), method and status. */
  readonly httpLatency: Histogram<'route' | 'method' | 'status'>
}

/**
 * Builds a fresh registry and its instruments. Process metrics (CPU, memory,
 * event loop, GC) are added with `processMetrics: true`, which the app does
 * only when `METRICS_PORT` is set.
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ processMetrics: true })
 * ```
 */
export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.processMetrics) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  return {
    registry,
    flowsStarted: new Counter({
      name: 'bp_flows_started_total',
      help: 'Sign-in flows started (auth.start), by mode and provider.',
      labelNames: ['mode', 'provider'],
      registers,
    }),
    flowsCompleted: new Counter({
      name: 'bp_flows_completed_total',
      help: 'Sign-in flows completed with a new login (auth.complete), by provider.',
      labelNames: ['provider'],
      registers,
    }),
    flowsRefused: new Counter({
      name: 'bp_flows_refused_total',
      help: 'Refusals, by step (procedure name or callback) and contract reason.',
      labelNames: ['step', 'reason'],
      registers,
    }),
    refreshes: new Counter({ name: 'bp_refreshes_total', help: 'Refresh tokens rotated.', registers }),
    refreshTokenReuse: new Counter({
      name: 'bp_refresh_token_reuse_total',
      help: 'Spent refresh tokens presented again; each revoked its login.',
      registers,
    }),
    logouts: new Counter({ name: 'bp_logouts_total', help: 'Logins ended by auth.logout.', registers }),
    rateLimited: new Counter({
      name: 'bp_rate_limited_total',
      help: 'Calls refused by a rate limiter, by limiter.',
      labelNames: ['limiter'],
      registers,
    }),
    storeErrors: new Counter({
      name: 'bp_store_errors_total',
      help: 'Store operations that failed (unreachable or timed out), by table and operation.',
      labelNames: ['table', 'op'],
      registers,
    }),
    storeLatency: new Histogram({
      name: 'bp_store_operation_seconds',
      help: 'Store operation latency, by table and operation.',
      labelNames: ['table', 'op'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    watchStreams: new Gauge({ name: 'bp_watch_streams', help: 'auth.watch streams open on this instance.', registers }),
    keyRotations: new Counter({
      name: 'bp_signing_key_rotations_total',
      help: 'New signing keys this instance published into the shared set.',
      registers,
    }),
    httpLatency: new Histogram({
      name: 'bp_http_request_duration_seconds',
      help: 'HTTP request latency, by route (procedure name or fixed route), method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers,
    }),
  }
}

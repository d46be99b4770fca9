import cluster from 'node:cluster'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AggregatorRegistry, type Registry } from 'prom-client'

/** What `/metrics` answers with: a prom-client Registry, or the primary's sum of its workers' (see `main.ts`). */
export interface MetricsSource {
  readonly contentType: string
  metrics(): Promise<string>
}

/** The metrics listener: its own port, apart from the public one. */
export interface MetricsServer {
  /** Where it listens, e.g. `http://127.0.0.1:9464`. */
  address: string
  close(): Promise<void>
}

/**
 * Serves `GET /metrics` (the Prometheus text exposition of `source`) on
 * `host:port`, and nothing else. It is a listener of its own so that the
 * public port never exposes it: bind it to an address only the scraper reaches.
 *
 * @example
 * ```ts
 * const metricsServer = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 9464 })
 * // curl http://127.0.0.1:9464/metrics
 * await metricsServer.close()
 * ```
 */
export async function startMetricsServer(source: MetricsSource, options: { host: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }))
      return
    }
    source.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': source.contentType, 'cache-control': 'no-store' })
        res.end(req.method === 'HEAD' ? undefined : text)
      },
      () => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal_error' })),
    )
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    address: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/**
 * Whether this process is one of `WEB_CONCURRENCY`'s workers (node:cluster,
 * N > 1). Its metrics are then served by the primary
 * ({@link startWorkersMetricsServer}), not by a listener of its own.
 */
export function workerOfMany(settings: { webConcurrency: number }): boolean {
  return cluster.isWorker && settings.webConcurrency > 1
}

/**
 * The primary's `/metrics` under `WEB_CONCURRENCY`: each scrape asks every
 * worker for its registry over node:cluster's IPC and answers their sum
 * (prom-client's AggregatorRegistry; counters and histograms add up, so do
 * gauges such as open streams). Workers register theirs with
 * {@link serveMetricsToPrimary}.
 *
 * @example
 * ```ts
 * if (cluster.isPrimary) await startWorkersMetricsServer({ host: '127.0.0.1', port: 9464 })
 * ```
 */
export function startWorkersMetricsServer(options: { host: string; port: number }): Promise<MetricsServer> {
  const workers = new AggregatorRegistry()
  return startMetricsServer({ contentType: workers.contentType, metrics: () => workers.clusterMetrics() }, options)
}

/**
 * In one of `WEB_CONCURRENCY`'s workers: answers the primary's requests for
 * metrics ({@link startWorkersMetricsServer}) with `registry`. prom-client
 * listens for them once an AggregatorRegistry exists in the process.
 *
 * @example
 * ```ts
 * if (workerOfMany(settings)) serveMetricsToPrimary(metrics.registry)
 * ```
 */
export function serveMetricsToPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries(registry)
  new AggregatorRegistry()
}

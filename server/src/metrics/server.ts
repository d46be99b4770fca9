import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'

/** The metrics listener: its own port, apart from the public one. */
export interface MetricsServer {
  /** Where it listens, e.g. `http://127.0.0.1:9464`. */
  address: string
  close(): Promise<void>
}

/**
 * Serves `GET /metrics` (the Prometheus text exposition of `registry`) on
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
export async function startMetricsServer(registry: Registry, options: { host: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }))
      return
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' })
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

import type { IncomingMessage, ServerResponse } from 'node:http'
import { TRPCError, getErrorShape } from '@trpc/server'
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http'
import { createContext } from '../context.js'
import type { DevProvider } from '../dev-provider/index.js'
import { appRouter } from '../routers/_app.js'
import type { Services } from '../services.js'
import { retryAfterOf } from '../errors.js'
import { dpopChallengeOf } from '../session/dpop.js'
import { handleCallback } from './callback-route.js'
import { untrustedProxyWarning } from './client-address.js'
import { applyCors, corsHeaders } from './cors.js'
import { createLinkRoute } from './link-route.js'
import { timeRequest } from '../metrics/http.js'
import { page } from './html.js'
import { baseHeaders, sendJson, sendPage, setBaseHeaders } from './headers.js'
import { createStandardsRoutes } from './standards-routes.js'
import { createStaticHandler } from './static-files.js'
import { createStreamGate } from './stream-caps.js'
import { tryFastPath } from './trpc-fast-path.js'

/** Largest request body any route reads. */
export const MAX_BODY_BYTES = 16 * 1024

/** The whole HTTP surface: tRPC, the callback, keys, health, the development provider and the SPA. */
export function createRequestHandler(
  services: Services,
  options: { devProvider?: DevProvider; webRoot?: string; isDraining?: () => boolean },
) {
  const { settings, logger, store, keys } = services
  const serveStatic = options.webRoot ? createStaticHandler(options.webRoot) : undefined
  const hsts = settings.publicUrl.startsWith('https://')
  const handleLink = createLinkRoute(services)
  const handleStandards = createStandardsRoutes(services)
  const warnUntrustedProxy = untrustedProxyWarning(logger, settings.trustProxyHops)
  const gateStream = createStreamGate(services)
  const procedureNames = new Set(Object.keys(appRouter._def.procedures))
  /**
   * What a tRPC answer carries before its own headers, in order: the base
   * headers, `cache-control`, then `vary` (applyCors sets it; the answer's own
   * value replaces it in place).
   */
  const trpcHeaders = { ...baseHeaders({ hsts }), 'cache-control': 'no-store' }
  /** The same for a call that carries an Origin, with its CORS headers (applyCors's, in its order); one per origin on the list. */
  const crossOriginHeaders = new Map(
    settings.corsOrigins.map((origin) => [origin, { ...trpcHeaders, ...corsHeaders(origin) }] as const),
  )
  const otherOriginHeaders = { ...trpcHeaders, ...corsHeaders(undefined) }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    warnUntrustedProxy(req)
    const url = req.url ?? '/'
    const path = url.split('?')[0] ?? '/'

    if (path.startsWith('/trpc/')) {
      const procedurePath = path.slice('/trpc/'.length)
      const query = url.length > path.length ? url.slice(path.length + 1) : ''
      // The common call (not a preflight, not a stream, a body within bounds): every header in one go,
      // with the CORS headers applyCors would set when it carries an Origin (browsers send one on every POST).
      const fast =
        settings.fastPath &&
        req.method !== 'OPTIONS' &&
        procedurePath !== 'auth.watch' &&
        !(Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES)
      if (fast) {
        const origin = req.headers.origin
        const headers = origin === undefined ? trpcHeaders : (crossOriginHeaders.get(origin) ?? otherOriginHeaders)
        if (await tryFastPath(services, req, res, procedurePath, query, MAX_BODY_BYTES, headers)) return
      }
      setBaseHeaders(res, { hsts })
      res.setHeader('cache-control', 'no-store')
      if (applyCors(req, res, settings.corsOrigins)) return
      if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return refuseTooLarge(services, req, res)
      if (procedurePath === 'auth.watch' && gateStream(req, res, query)) return
      return nodeHTTPRequestHandler({
        router: appRouter,
        req,
        res,
        path: procedurePath,
        maxBodySize: MAX_BODY_BYTES,
        // A batch is bounded: each call in it costs what a request costs.
        maxBatchSize: 10,
        createContext: ({ req }) => createContext(services, req),
        responseMeta: ({ errors }) => {
          const wait = retryAfterOf(errors)
          const challenge = dpopChallengeOf(errors)
          // tRPC sets its own Vary; an array is appended to it (CORS answers differ by Origin).
          return {
            headers: {
              vary: ['Origin'],
              ...(wait ? { 'retry-after': String(wait) } : {}),
              ...(challenge ? { 'www-authenticate': challenge } : {}),
            },
          }
        },
        onError: ({ error, path }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR') logger.error({ path, err: error.cause ?? error }, 'procedure failed')
        },
      })
    }
    setBaseHeaders(res, { hsts })
    if (path === '/auth/callback') return handleCallback(services, req, res)
    if (path === '/link' || path === '/link/answer') return handleLink(req, res, path)
    if (path === '/.well-known/jwks.json') {
      const jwks = keys.jwks()
      if (jwks.keys.length === 0) return sendJson(res, 503, { error: 'store_unavailable' }, { 'retry-after': '5' })
      return sendJson(res, 200, jwks, { 'cache-control': 'public, max-age=60', 'access-control-allow-origin': '*' })
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' })
    if (path === '/readyz') {
      if (options.isDraining?.()) return sendJson(res, 503, { status: 'draining' })
      // Ready means able to serve a login: the store answers and the signing keys are loaded.
      const ready =
        keys.jwks().keys.length > 0 &&
        (await store.ping().then(
          () => true,
          () => false,
        ))
      return ready
        ? sendJson(res, 200, { status: 'ready', store: store.kind })
        : sendJson(res, 503, { status: 'unavailable', reason: 'store_unavailable', store: store.kind })
    }
    // Discovery, /oauth/*, and a JSON 404 for any other API path (never the SPA's page).
    if (await handleStandards(req, res, path)) return
    if (options.devProvider?.handle(req, res)) return
    if (serveStatic && (await serveStatic(req, res))) return
    sendPage(res, 404, page('Not found', '<h1>Not found</h1><p>There is nothing at this address.</p>'))
  }

  return function handle(req: IncomingMessage, res: ServerResponse): void {
    timeRequest(services.metrics, procedureNames, req, res)
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, path: (req.url ?? '').split('?')[0] }, 'request failed')
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' })
      else res.destroy()
    })
  }
}

/**
 * A body declared larger than the limit is refused before a byte of it is read
 * (tRPC would wait for it), with the answer tRPC gives for a body over its limit.
 */
function refuseTooLarge(services: Services, req: IncomingMessage, res: ServerResponse): void {
  const error = new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large' })
  const path = (req.url ?? '').split('?')[0]!.slice('/trpc/'.length)
  const shape = getErrorShape({
    config: appRouter._def._config,
    ctx: undefined,
    error,
    input: undefined,
    path,
    type: req.method === 'GET' ? 'query' : 'mutation',
  })
  const text = JSON.stringify({ error: shape })
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' })
  res.end(text)
  req.resume()
  services.logger.info({ path }, 'request body over the limit refused')
}

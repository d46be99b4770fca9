import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * CORS for the API from an allow-list of origins (exact match). An origin not on
 * the list gets no CORS headers at all, so the browser keeps the answer from it.
 * No credentials are ever allowed: the API uses Bearer tokens, not cookies.
 * Returns true when it answered a preflight itself.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin
  res.setHeader('vary', 'Origin')
  const ok = typeof origin === 'string' && allowed.includes(origin)
  if (ok) {
    res.setHeader('access-control-allow-origin', origin)
    res.setHeader('access-control-expose-headers', 'Retry-After, WWW-Authenticate')
  }
  if (req.method !== 'OPTIONS') return false
  if (ok) {
    res.setHeader('access-control-allow-methods', 'GET, POST')
    res.setHeader('access-control-allow-headers', 'authorization, content-type, dpop, trpc-accept, x-trpc-source')
    res.setHeader('access-control-max-age', '600')
  }
  res.writeHead(ok ? 204 : 403, { 'content-length': 0 })
  res.end()
  return true
}

import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * CORS for the API from an allow-list of origins (exact match). An origin not on
 * the list gets no CORS headers at all, so the browser keeps the answer from it.
 * No credentials are ever allowed: the API uses Bearer tokens, not cookies.
 * Returns true when it answered a preflight itself.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin
  const ok = typeof origin === 'string' && allowed.includes(origin)
  for (const [name, value] of Object.entries(corsHeaders(ok ? origin : undefined))) res.setHeader(name, value)
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

/**
 * The CORS headers of an answer other than a preflight, in the order they are
 * sent: `Vary: Origin` always; for an `allowed` origin (one on the list), also
 * the origin it may be read by and the headers it may read.
 *
 * @example
 * ```ts
 * corsHeaders('https://app.example.com') // { vary: 'Origin', 'access-control-allow-origin': 'https://app.example.com', … }
 * corsHeaders(undefined) // { vary: 'Origin' }
 * ```
 */
export function corsHeaders(allowed: string | undefined): Record<string, string> {
  if (allowed === undefined) return { vary: 'Origin' }
  return {
    vary: 'Origin',
    'access-control-allow-origin': allowed,
    'access-control-expose-headers': 'Retry-After, WWW-Authenticate',
  }
}

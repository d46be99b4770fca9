/**
 * Request headers as frameworks hand them over: Fetch `Headers` (Request, h3 v2,
 * Hono, Next.js), or Node's header object (`IncomingMessage.headers`: node:http,
 * Express, Fastify, h3 v1).
 *
 * @example
 * ```ts
 * const fromFetch: HeadersLike = new Headers({ authorization: `Bearer ${token}` })
 * const fromNode: HeadersLike = req.headers
 * ```
 */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>

/**
 * What `authenticate` takes: anything with `headers` (a Node `IncomingMessage`,
 * an Express or Fastify request, a Fetch `Request`), the headers themselves, or
 * the `Authorization` header's value (null or undefined: none was sent).
 *
 * @example
 * ```ts
 * await authenticate(req) // or req.headers, or req.headers.authorization
 * ```
 */
export type AuthenticateInput = { headers: HeadersLike } | HeadersLike | string | null | undefined

/** The `Authorization` value of a request; several values (a repeated header) are not one token. */
export function readAuthorization(input: AuthenticateInput): unknown {
  if (input === undefined || input === null || typeof input === 'string') return input
  if (typeof input !== 'object') return input
  const maybeHeaders = (input as { headers?: unknown }).headers
  const headers = typeof maybeHeaders === 'object' && maybeHeaders !== null ? maybeHeaders : input
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get('authorization')
  }
  const value = (headers as Record<string, unknown>).authorization
  if (Array.isArray(value)) return value.length === 1 ? value[0] : ['several']
  return value
}

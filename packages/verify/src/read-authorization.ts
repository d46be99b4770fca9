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
 * A request as frameworks hand it over: its headers, method and URL. A Node
 * `IncomingMessage` (node:http, Express — whose `originalUrl` is used —, Fastify's
 * `request.raw`, h3 v1's `event.node.req`) has a path in `url`; a Fetch `Request`
 * (h3 v2, Hono, Next.js) an absolute one. Method and URL are what a DPoP proof
 * must name.
 *
 * @example
 * ```ts
 * const request: AuthenticateRequest = req // an IncomingMessage, or a Fetch Request
 * ```
 */
export interface AuthenticateRequest {
  headers: HeadersLike
  method?: string
  url?: string
  originalUrl?: string
  /** Node's socket: a TLS one (`encrypted`) means https. */
  socket?: unknown
}

/**
 * What `authenticate` takes: the request itself (a Node `IncomingMessage`, an
 * Express or Fastify request, a Fetch `Request`), its headers, or the
 * `Authorization` header's value (null or undefined: none was sent). Only a
 * request lets a DPoP-bound token through: its proof names the method and URL.
 *
 * @example
 * ```ts
 * await authenticate(req) // or req.headers, or req.headers.authorization
 * ```
 */
export type AuthenticateInput = AuthenticateRequest | HeadersLike | string | null | undefined

/** The `Authorization` value of a request; several values (a repeated header) are not one token. */
export function readAuthorization(input: AuthenticateInput): unknown {
  if (input === undefined || input === null || typeof input === 'string') return input
  if (typeof input !== 'object') return input
  return readHeader(input, 'authorization')
}

/** One header of a request or header object (lower-case `name`); several values are not one. */
export function readHeader(input: object, name: string): unknown {
  const maybeHeaders = (input as { headers?: unknown }).headers
  const headers = typeof maybeHeaders === 'object' && maybeHeaders !== null ? maybeHeaders : input
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name)
  }
  const value = (headers as Record<string, unknown>)[name]
  if (Array.isArray(value)) return value.length === 1 ? value[0] : ['several']
  return value
}

/**
 * The method and absolute URL of a request, as its client addressed it, or
 * undefined when `input` is not a request. `publicUrl` (this service's
 * address as clients see it, behind a proxy) replaces the origin; without it a
 * Node request's URL is built from its `Host` header.
 */
export function readRequestTarget(
  input: AuthenticateInput,
  publicUrl: string | undefined,
): { method: string; url: string } | undefined {
  if (typeof input !== 'object' || input === null) return undefined
  const request = input as Partial<AuthenticateRequest>
  const target = typeof request.originalUrl === 'string' ? request.originalUrl : request.url
  if (typeof request.method !== 'string' || typeof target !== 'string' || typeof request.headers !== 'object') return undefined
  let path: string
  let origin: string
  if (/^https?:\/\//i.test(target)) {
    const url = new URL(target)
    path = url.pathname
    origin = url.origin
  } else {
    if (!target.startsWith('/')) return undefined
    path = target.split(/[?#]/, 1)[0]!
    const host = readHeader(request, 'host')
    if (typeof host !== 'string' || host === '')
      return publicUrl === undefined ? undefined : { method: request.method, url: publicUrl + path }
    origin = `${(request.socket as { encrypted?: unknown } | null | undefined)?.encrypted ? 'https' : 'http'}://${host}`
  }
  return { method: request.method.toUpperCase(), url: (publicUrl ?? origin) + path }
}

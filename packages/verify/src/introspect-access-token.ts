import type { AccessTokenClaims, IntrospectOutput, User } from './claims.js'
import { AccessTokenError, IssuerUnavailableError } from './errors.js'
import { checkAbsoluteUrl, trimTrailingSlashes } from './urls.js'

/**
 * Options of {@link introspectAccessToken}: where Boarding Pass is, and how long to wait for it.
 *
 * @example
 * ```ts
 * await introspectAccessToken(token, { url: 'http://boarding-pass.internal:3000', timeout: 2000 })
 * ```
 */
export interface IntrospectAccessTokenOptions {
  /** Where to reach Boarding Pass (its PUBLIC_URL, or an internal address). */
  url: string
  /** A fetch of your own; the global one otherwise. */
  fetch?: typeof fetch
  /** Milliseconds to wait for the answer before giving up with {@link IssuerUnavailableError} (default 5000). */
  timeout?: number
}

/**
 * Asks Boarding Pass whether `token` is good right now (`auth.introspect`, in
 * the spirit of RFC 7662): `{ active: true, …claims, user }` while it verifies
 * and its login is alive, `{ active: false }` once it is expired, revoked (logout,
 * refresh-token reuse) or was never valid.
 *
 * One HTTP round trip per call (a plain `fetch`: `POST {url}/trpc/auth.introspect`),
 * no tRPC client needed: cache the answer briefly, or let
 * `createAuthenticator({ checkRevocation: true })` do it for you.
 *
 * @throws {IssuerUnavailableError} when Boarding Pass does not answer, answers `store_unavailable`, or answers something unexpected.
 * @throws {AccessTokenError} `missing` for an empty token; `malformed` when Boarding Pass refuses the input itself (e.g. a token too long to be one).
 * @throws {TypeError} when the arguments are wrong (a programming error).
 * @see https://www.rfc-editor.org/rfc/rfc7662 OAuth 2.0 Token Introspection
 *
 * @example
 * ```ts
 * import { introspectAccessToken } from '@boarding-pass/verify'
 *
 * const result = await introspectAccessToken(token, { url: 'https://login.example.com' })
 * if (!result.active) throw new Error('signed out')
 * console.log(result.user.name, result.sid)
 * ```
 */
export async function introspectAccessToken(token: string, options: IntrospectAccessTokenOptions): Promise<IntrospectOutput> {
  if (typeof token !== 'string') throw new TypeError('introspectAccessToken: token must be a string')
  if (typeof options !== 'object' || options === null) throw new TypeError('introspectAccessToken: options are required')
  const url = trimTrailingSlashes(checkAbsoluteUrl(options.url, 'introspectAccessToken: url'))
  const fetchFn = options.fetch ?? globalThis.fetch
  if (typeof fetchFn !== 'function') throw new TypeError('introspectAccessToken: fetch must be a function')
  const timeout = options.timeout ?? 5000
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new TypeError('introspectAccessToken: timeout must be a positive number of milliseconds')
  }
  if (token.length === 0) throw new AccessTokenError('missing')

  let status: number
  let body: unknown
  try {
    const response = await fetchFn(`${url}/trpc/auth.introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token }),
      signal: AbortSignal.timeout(timeout),
    })
    status = response.status
    body = await response.json()
  } catch (error) {
    throw new IssuerUnavailableError(undefined, { cause: error })
  }
  const envelope = isObject(body) ? body : {}
  if (isObject(envelope.error)) {
    const data = isObject(envelope.error.data) ? envelope.error.data : {}
    if (data.reason === 'invalid_request') throw new AccessTokenError('malformed')
    throw new IssuerUnavailableError(`Boarding Pass refused introspection (HTTP ${status}).`)
  }
  // Checked, not trusted: a wrong `url` (a proxy's error page, another service) must not read as "active".
  const answer = isObject(envelope.result) ? readIntrospection(envelope.result.data) : undefined
  if (!answer) throw new IssuerUnavailableError('Boarding Pass answered introspection with something unexpected.')
  return answer
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const text = (value: unknown): value is string => typeof value === 'string'
const optionalText = (value: unknown) => value === undefined || text(value)

/** The answer when it has the contract's shape; undefined otherwise. */
function readIntrospection(data: unknown): IntrospectOutput | undefined {
  if (!isObject(data)) return undefined
  if (data.active === false) return { active: false }
  if (data.active !== true) return undefined
  const { sub, sid, jti, iss, aud, iat, exp, provider, client_id, user } = data
  if (!text(sub) || !text(sid) || !text(jti) || !text(iss) || !text(provider) || !optionalText(client_id)) return undefined
  if (!Number.isInteger(iat) || !Number.isInteger(exp)) return undefined
  if (!(text(aud) || (Array.isArray(aud) && aud.every(text)))) return undefined
  if (!isObject(user) || !text(user.id) || !text(user.provider)) return undefined
  if (!optionalText(user.name) || !optionalText(user.email) || !optionalText(user.picture)) return undefined
  const person: User = { id: user.id, provider: user.provider }
  if (text(user.name)) person.name = user.name
  if (text(user.email)) person.email = user.email
  if (text(user.picture)) person.picture = user.picture
  const claims: AccessTokenClaims = { iss, sub, aud, iat: iat as number, exp: exp as number, jti, sid, provider }
  if (text(client_id)) claims.client_id = client_id
  return { active: true, ...claims, user: person }
}

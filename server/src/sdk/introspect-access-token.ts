import { introspectOutput, type IntrospectOutput } from '@boarding-pass/shared'
import { createBoardingPassClient, getErrorReason, type BoardingPassClient } from './client.js'
import { AccessTokenError, IssuerUnavailableError } from './errors.js'
import { checkAbsoluteUrl, trimTrailingSlashes } from './urls.js'

export interface IntrospectAccessTokenOptions {
  /** Where to reach Boarding Pass (its PUBLIC_URL, or an internal address). */
  url: string
  /** A fetch of your own; the global one otherwise. */
  fetch?: typeof fetch
}

/** One client per address and fetch, reused across calls. */
const clients = new Map<string, BoardingPassClient>()

/**
 * Asks Boarding Pass whether `token` is good right now (`auth.introspect`, in
 * the spirit of RFC 7662): `{ active: true, …claims, user }` while it verifies
 * and its login is alive, `{ active: false }` once it is expired, revoked (logout,
 * refresh-token reuse) or was never valid.
 *
 * One HTTP round trip per call: cache the answer briefly, or let
 * `requireAccessToken({ checkRevocation: true })` do it for you.
 *
 * @throws {IssuerUnavailableError} when Boarding Pass does not answer, or answers `store_unavailable`.
 * @throws {AccessTokenError} `malformed`, when Boarding Pass refuses the input itself (e.g. a token too long to be one).
 * @see https://www.rfc-editor.org/rfc/rfc7662 OAuth 2.0 Token Introspection
 *
 * @example
 * ```ts
 * const result = await introspectAccessToken(token, { url: 'https://login.example.com' })
 * if (!result.active) throw new Error('signed out')
 * console.log(result.user.name, result.sid)
 * ```
 */
export async function introspectAccessToken(token: string, options: IntrospectAccessTokenOptions): Promise<IntrospectOutput> {
  if (typeof token !== 'string') throw new TypeError('introspectAccessToken: token must be a string')
  if (typeof options !== 'object' || options === null) throw new TypeError('introspectAccessToken: options are required')
  const url = trimTrailingSlashes(checkAbsoluteUrl(options.url, 'introspectAccessToken: url'))
  if (token.length === 0) throw new AccessTokenError('missing')

  const client = options.fetch ? createBoardingPassClient({ url, fetch: options.fetch }) : clientFor(url)
  let answer: unknown
  try {
    answer = await client.auth.introspect.mutate({ token })
  } catch (error) {
    if (getErrorReason(error) === 'invalid_request') throw new AccessTokenError('malformed', undefined, { cause: error })
    throw new IssuerUnavailableError(undefined, { cause: error })
  }
  // Checked, not trusted: a wrong `url` (a proxy's error page, another service) must not read as "active".
  const parsed = introspectOutput.safeParse(answer)
  if (!parsed.success) throw new IssuerUnavailableError('Boarding Pass answered introspection with something unexpected.')
  return parsed.data
}

function clientFor(url: string): BoardingPassClient {
  let client = clients.get(url)
  if (!client) {
    client = createBoardingPassClient({ url })
    clients.set(url, client)
  }
  return client
}

import type { TokenResponse } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import type { Services } from '../services.js'
import { issueTokens, parseRefreshToken, revokeLogin } from './login.js'
import { touchIndex } from './session-index.js'

/** Who is refreshing: the client address (after trusted proxies) and its User-Agent. */
export interface RefreshClient {
  ip: string
  userAgent?: string
  /** v1.2: the key of the request's checked DPoP proof. */
  jkt?: string
}

/**
 * Rotates a refresh token. The token is marked spent in the same atomic step
 * that reads it, so of concurrent uses exactly one rotates; a spent token
 * presented again, by anyone, means it was copied and the whole login is
 * revoked (PROTOCOL.md, reuse detection). The one that rotated re-reads the
 * login before answering: no answer carries tokens of a login revoked
 * meanwhile (issue 13 item 9).
 *
 * A token bound to a DPoP key (v1.2) is refused without a proof by that key
 * (`client.jkt`), or with another key, and is not spent by that refusal; the
 * new pair is bound to `client.jkt`.
 */
export async function refreshLogin(
  services: Services,
  refreshToken: string,
  client: RefreshClient,
  /** Settles once the call's rate limit has counted it (sent in the same round trip as the failure check below). */
  admitted: Promise<void> = Promise.resolve(),
): Promise<TokenResponse> {
  // Failures are counted per client address, never on the login id the token names: that id is
  // the public `sid` of every access token, and a count on it lets anyone lock its owner out.
  const exhausted = services.limits.refuseIfExhausted('refreshFailure', client.ip)
  exhausted.catch(() => undefined)
  await admitted
  await exhausted
  try {
    return await rotate(services, refreshToken, client.jkt)
  } catch (error) {
    if (error instanceof AuthError && error.reason === 'invalid_grant') await services.limits.consume('refreshFailure', client.ip)
    throw error
  }
}

async function rotate(services: Services, refreshToken: string, jkt: string | undefined): Promise<TokenResponse> {
  const { store, settings } = services
  const parsed = parseRefreshToken(refreshToken)
  if (!parsed) throw new AuthError('invalid_grant')
  const ttl = settings.refreshTokenTtl * 1000
  if (parsed.bound) {
    // Read before spending: a copied token used without its key must leave the holder's token usable.
    const record = jkt ? await store.refreshTokens.get(parsed.key) : undefined
    if (!record || record.jkt !== jkt) throw new AuthError('invalid_grant')
  }
  // Only a token that exists is marked spent: a forged `<loginId>.<anything>` writes nothing,
  // so it can never be mistaken for the reuse of a real one (and revoke someone else's login).
  const spent = parsed.bound ? { loginId: parsed.loginId, spent: true, jkt } : { loginId: parsed.loginId, spent: true }
  // The login is read in the same round trip as the swap (the read is used only if the swap rotated).
  const reading = store.logins.get(parsed.loginId)
  reading.catch(() => undefined)
  const previous = await store.refreshTokens.swapIfPresent(parsed.key, spent, ttl)
  if (!previous || previous.loginId !== parsed.loginId) throw new AuthError('invalid_grant')
  if (previous.spent) {
    // Reuse, whoever presents it (the same client's retry too: the client library refreshes one at a time).
    services.metrics.refreshTokenReuse.inc()
    await revokeLogin(services, previous.loginId, 'refresh token reused')
    throw new AuthError('invalid_grant')
  }
  const login = await reading
  if (!login) throw new AuthError('invalid_grant')
  // In one round trip: slide the login's lifetime (never bringing back a login revoked meanwhile, by
  // reuse on another request: SET XX), the successor token, the index's lifetime, then the login read
  // again behind the slide on its connection: never answer with tokens of a login revoked meanwhile
  // (a concurrent use of this same token is reuse and revokes it).
  const [slid, response, , still] = await Promise.all([
    store.logins.putIfPresent(parsed.loginId, { ...login, lastUsedAt: services.now() }, ttl),
    issueTokens(services, parsed.loginId, login.user, jkt),
    // The user's session index lives as long as their latest-refreshed login.
    touchIndex(services, login.user.id),
    store.logins.get(parsed.loginId),
  ])
  if (!slid || !still) throw new AuthError('invalid_grant')
  services.logger.info({ loginId: parsed.loginId }, 'refresh token rotated')
  services.metrics.refreshes.inc()
  return response
}

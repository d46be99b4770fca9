import type { TokenResponse } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import type { Services } from '../services.js'
import { issueTokens, parseRefreshToken, revokeLogin } from './login.js'

/**
 * Rotates a refresh token. The token is marked spent in the same atomic step
 * that reads it, so of two concurrent uses exactly one succeeds; a spent token
 * presented again means it was copied, and the whole login is revoked.
 *
 * `jkt` is the key of the request's DPoP proof, already checked (v1.2). A
 * token bound to a key is refused without it, or with another key, and is not
 * spent by that refusal; the new pair is bound to `jkt`.
 */
export async function refreshLogin(services: Services, refreshToken: string, jkt?: string): Promise<TokenResponse> {
  const { store, settings } = services
  const parsed = parseRefreshToken(refreshToken)
  if (!parsed) throw new AuthError('invalid_grant')
  await services.limits.consume('refreshLogin', parsed.loginId)
  const ttl = settings.refreshTokenTtl * 1000
  if (parsed.bound) {
    // Read before spending: a copied token used without its key must leave the holder's token usable.
    const record = jkt ? await store.refreshTokens.get(parsed.key) : undefined
    if (!record || record.jkt !== jkt) throw new AuthError('invalid_grant')
  }
  // Only a token that exists is marked spent: a forged `<loginId>.<anything>` writes nothing,
  // so it can never be mistaken for the reuse of a real one (and revoke someone else's login).
  const spent = parsed.bound ? { loginId: parsed.loginId, spent: true, jkt } : { loginId: parsed.loginId, spent: true }
  const previous = await store.refreshTokens.swapIfPresent(parsed.key, spent, ttl)
  if (!previous || previous.loginId !== parsed.loginId) throw new AuthError('invalid_grant')
  if (previous.spent) {
    await revokeLogin(services, previous.loginId, 'refresh token reused')
    throw new AuthError('invalid_grant')
  }
  const login = await store.logins.get(parsed.loginId)
  // Slide the login's lifetime, but never bring back a login revoked meanwhile (by reuse on another request).
  if (!login || !(await store.logins.putIfPresent(parsed.loginId, login, ttl))) throw new AuthError('invalid_grant')
  services.logger.info({ loginId: parsed.loginId }, 'refresh token rotated')
  return issueTokens(services, parsed.loginId, login.user, jkt)
}

import type { TokenResponse, User } from '@boarding-pass/shared'
import type { Services } from '../services.js'
import { randomSecret, secretKey } from '../tokens/secrets.js'

/** What follows the login id in a refresh token bound to a DPoP key (v1.2). */
const BOUND_MARK = 'dpop.'

/**
 * A refresh token is `<loginId>.<secret>`: the login it belongs to is readable
 * without a lookup, so spending one is a single atomic swap in the store. One
 * bound to a DPoP key is `<loginId>.dpop.<secret>`: that it needs a proof is
 * known without a lookup too, so one presented without a proof is refused
 * before the store is touched (and is not spent), and unbound tokens cost no
 * extra read. The mark cannot be added or removed: the record is keyed by the
 * whole token's hash.
 */
export function parseRefreshToken(token: string): { loginId: string; key: string; bound: boolean } | undefined {
  const dot = token.indexOf('.')
  if (dot < 16 || dot > 64 || token.length - dot < 40) return undefined
  return { loginId: token.slice(0, dot), key: secretKey(token), bound: token.startsWith(BOUND_MARK, dot + 1) }
}

/** Opens a login for `user`: stores it and issues its first token pair (bound to DPoP key `jkt` when given). */
export async function openLogin(
  services: Services,
  user: User,
  jkt?: string,
): Promise<{ loginId: string; response: TokenResponse }> {
  const loginId = randomSecret(16)
  // Written together with the first refresh token (one round trip to Redis, pipelined).
  const [, response] = await Promise.all([
    services.store.logins.put(loginId, { user, createdAt: services.now() }, services.settings.refreshTokenTtl * 1000),
    issueTokens(services, loginId, user, jkt),
  ])
  return { loginId, response }
}

/** A new access token and a new refresh token for a live login, both bound to DPoP key `jkt` when given. */
export async function issueTokens(services: Services, loginId: string, user: User, jkt?: string): Promise<TokenResponse> {
  const refreshToken = jkt ? `${loginId}.${BOUND_MARK}${randomSecret(32)}` : `${loginId}.${randomSecret(32)}`
  const [accessToken] = await Promise.all([
    services.accessTokens.sign(user, loginId, jkt),
    services.store.refreshTokens.put(
      secretKey(refreshToken),
      jkt ? { loginId, spent: false, jkt } : { loginId, spent: false },
      services.settings.refreshTokenTtl * 1000,
    ),
  ])
  return { accessToken, tokenType: jkt ? 'DPoP' : 'Bearer', expiresIn: services.accessTokens.ttl, refreshToken, user }
}

/** Ends a login: its refresh tokens stop working and its access tokens are refused from now on. */
export async function revokeLogin(services: Services, loginId: string, why: string): Promise<void> {
  await services.store.logins.delete(loginId)
  services.logger.info({ loginId, why }, 'login revoked')
}

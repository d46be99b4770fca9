import type { TokenResponse, User } from '@boarding-pass/shared'
import type { Services } from '../services.js'
import { randomSecret, secretKey } from '../tokens/secrets.js'

/**
 * A refresh token is `<loginId>.<secret>`: the login it belongs to is readable
 * without a lookup, so spending one is a single atomic swap in the store.
 */
export function parseRefreshToken(token: string): { loginId: string; key: string } | undefined {
  const dot = token.indexOf('.')
  if (dot < 16 || dot > 64 || token.length - dot < 40) return undefined
  return { loginId: token.slice(0, dot), key: secretKey(token) }
}

/** Opens a login for `user`: stores it and issues its first token pair. */
export async function openLogin(services: Services, user: User): Promise<{ loginId: string; response: TokenResponse }> {
  const loginId = randomSecret(16)
  // Written together with the first refresh token (one round trip to Redis, pipelined).
  const [, response] = await Promise.all([
    services.store.logins.put(loginId, { user, createdAt: services.now() }, services.settings.refreshTokenTtl * 1000),
    issueTokens(services, loginId, user),
  ])
  return { loginId, response }
}

/** A new access token and a new refresh token for a live login. */
export async function issueTokens(services: Services, loginId: string, user: User): Promise<TokenResponse> {
  const refreshToken = `${loginId}.${randomSecret(32)}`
  const [accessToken] = await Promise.all([
    services.accessTokens.sign(user, loginId),
    services.store.refreshTokens.put(
      secretKey(refreshToken),
      { loginId, spent: false },
      services.settings.refreshTokenTtl * 1000,
    ),
  ])
  return { accessToken, tokenType: 'Bearer', expiresIn: services.accessTokens.ttl, refreshToken, user }
}

/** Ends a login: its refresh tokens stop working and its access tokens are refused from now on. */
export async function revokeLogin(services: Services, loginId: string, why: string): Promise<void> {
  await services.store.logins.delete(loginId)
  services.logger.info({ loginId, why }, 'login revoked')
}

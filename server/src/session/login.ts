import type { TokenResponse, User } from '@boarding-pass/shared'
import type { Services } from '../services.js'
import { StoreFullError, type LoginRecord } from '../store/index.js'
import { randomSecret, secretKey } from '../tokens/secrets.js'
import { indexLogin, unindexLogins } from './session-index.js'

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

/** What the client that completes a login says of itself (shown in `auth.sessions`). */
export interface LoginClient {
  userAgent?: string
  deviceName?: string
  /** v1.2: the key of the request's checked DPoP proof; the tokens are bound to it. */
  jkt?: string
}

/** Longest User-Agent kept with a login. */
const MAX_USER_AGENT_LENGTH = 256

/** Opens a login for `user`: stores it, indexes it under the user, and issues its first token pair. */
export async function openLogin(
  services: Services,
  user: User,
  client: LoginClient = {},
): Promise<{ loginId: string; response: TokenResponse }> {
  const loginId = randomSecret(16)
  const now = services.now()
  const login: LoginRecord = { user, createdAt: now, lastUsedAt: now }
  if (client.userAgent) login.userAgent = client.userAgent.slice(0, MAX_USER_AGENT_LENGTH)
  if (client.deviceName) login.deviceName = client.deviceName
  const stored = services.store.logins.put(loginId, login, services.settings.refreshTokenTtl * 1000).catch((error: unknown) => {
    // In-process only: no room for another login. Refused (store_unavailable), never by evicting someone.
    if (error instanceof StoreFullError) {
      services.logger.warn({ kind: error.kind }, 'login refused: the in-process store is full (AUTH_MAX_LOGINS)')
    }
    throw error
  })
  // The index entry only once the login exists (see session-index.ts). On a single Redis it is sent
  // right behind the login's write, on the same connection, which runs them in that order: the login,
  // its first refresh token and the index entry go in one round trip. Elsewhere it waits for the write.
  const indexed = services.store.inOrder
    ? indexLogin(services, loginId, login)
    : stored.then(() => indexLogin(services, loginId, login))
  let response: TokenResponse
  let idleSessions: string[]
  try {
    ;[, response, idleSessions] = await Promise.all([stored, issueTokens(services, loginId, user, client.jkt), indexed])
  } catch (error) {
    // Not handed out: a login that could not be written whole (a global sign-out would miss one missing
    // from the index) goes, as far as the store lets it.
    await services.store.logins.delete(loginId).catch(() => undefined)
    throw error
  }
  // Past the cap, the idlest sessions end.
  for (const idle of idleSessions) {
    await revokeLogin(services, idle, 'session cap reached', user.id)
  }
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

/**
 * Ends a login: its refresh tokens stop working and its access tokens are
 * refused from now on, on every instance (each check reads the login record).
 * Its entry leaves the user's session index after the record is gone.
 */
export async function revokeLogin(services: Services, loginId: string, why: string, userId?: string): Promise<void> {
  const owner = userId ?? (await services.store.logins.get(loginId))?.user.id
  await services.store.logins.delete(loginId)
  if (owner) await unindexLogins(services, owner, [loginId])
  services.logger.info({ loginId, why }, 'login revoked')
}

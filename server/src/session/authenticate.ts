import type { AccessTokenClaims, User } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import type { Services } from '../services.js'

/** A caller proven by a valid access token of a live login. */
export interface AuthenticatedLogin {
  loginId: string
  user: User
  claims: AccessTokenClaims
}

/**
 * Checks `Authorization: Bearer <token>`: signature, issuer, audience, expiry,
 * and that its login has not been revoked (logout, refresh-token reuse).
 */
export async function authenticate(services: Services, authorization: string | undefined): Promise<AuthenticatedLogin> {
  const match = /^Bearer +([A-Za-z0-9_.~+/-]+=*) *$/i.exec(authorization ?? '')
  if (!match?.[1] || match[1].length > 4096) throw new AuthError('invalid_token')
  const claims = await services.accessTokens.verify(match[1])
  if (!claims) throw new AuthError('invalid_token')
  const login = await services.store.logins.get(claims.sid)
  if (!login || login.user.id !== claims.sub) throw new AuthError('invalid_token')
  return { loginId: claims.sid, user: login.user, claims }
}

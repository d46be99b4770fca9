import type { AccessTokenClaims, User } from '@boarding-pass/shared'
import type { Context } from '../context.js'
import { AuthError } from '../errors.js'
import type { Services } from '../services.js'
import { DpopError, checkDpopProof } from './dpop.js'

/** A caller proven by a valid access token of a live login. */
export interface AuthenticatedLogin {
  loginId: string
  user: User
  claims: AccessTokenClaims
}

/** `Bearer` or `DPoP` (any case), spaces, a b64token (RFC 6750 §2.1, RFC 9449 §7.1). */
const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9_.~+/-]+=*) *$/i

/**
 * Checks `Authorization: Bearer <token>`, or `Authorization: DPoP <token>` with
 * a proof for this very request (v1.2): signature, issuer, audience, expiry, the
 * key binding, and that its login has not been revoked (logout, refresh-token
 * reuse). A bound token (`cnf.jkt`) is accepted only as DPoP with a proof by
 * its key; an unbound one only as Bearer. Without DPoP nothing is read beyond v1.
 */
export async function authenticate(
  services: Services,
  request: Pick<Context, 'authorization' | 'dpop' | 'method' | 'path'>,
): Promise<AuthenticatedLogin> {
  const match = AUTHORIZATION.exec(request.authorization ?? '')
  const token = match?.[2]
  if (!token || token.length > 4096) throw new AuthError('invalid_token')
  const claims = await services.accessTokens.verify(token)
  if (!claims) throw new AuthError('invalid_token')
  const dpopScheme = match[1]!.length === 4
  if (claims.cnf) {
    if (!dpopScheme)
      throw new DpopError('invalid_token', 'invalid_token', 'This access token is bound to a key: send it as DPoP, with a proof.')
    const { dpop: proof, method, path } = request
    await checkDpopProof(services, { proof, method, path, accessToken: token, jkt: claims.cnf.jkt }, 'invalid_token')
  } else if (dpopScheme) {
    throw new DpopError('invalid_token', 'invalid_token', 'This access token is not bound to a key: send it as Bearer.')
  }
  const login = await services.store.logins.get(claims.sid)
  if (!login || login.user.id !== claims.sub) throw new AuthError('invalid_token')
  return { loginId: claims.sid, user: login.user, claims }
}

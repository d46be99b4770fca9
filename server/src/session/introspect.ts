import type { IntrospectOutput } from '@boarding-pass/shared'
import type { Services } from '../services.js'

const INACTIVE: IntrospectOutput = { active: false }

/**
 * `auth.introspect` (in the spirit of RFC 7662): whether `token` is an access
 * token this service would accept right now, and if so its claims and user.
 *
 * Active means all of: the signature verifies with a key of the shared set, the
 * issuer and audience are this service's, it has not expired, and its login is
 * still alive (not logged out, not revoked by refresh-token reuse). Anything
 * else is `{ active: false }`, with no hint of why: the answer is about the
 * token presented, and says no more than its holder could learn from `auth.me`.
 * It never refuses as `invalid_token`; a store that does not answer is
 * `store_unavailable` (thrown by the store, mapped in `trpc.ts`), never a false
 * "inactive" that a caller might cache.
 */
export async function introspectToken(services: Services, token: string): Promise<IntrospectOutput> {
  const claims = await services.accessTokens.verify(token)
  if (!claims || typeof claims.provider !== 'string') return INACTIVE
  const login = await services.store.logins.get(claims.sid)
  if (!login || login.user.id !== claims.sub) return INACTIVE
  return {
    active: true,
    sub: claims.sub,
    sid: claims.sid,
    jti: claims.jti,
    exp: claims.exp,
    iat: claims.iat,
    iss: claims.iss,
    aud: claims.aud,
    // Tokens minted before v1.2 lack the claim; they were issued to the same app.
    client_id: claims.client_id ?? services.settings.clientId,
    provider: claims.provider,
    // A bound token is active as long as it verifies: introspection is the resource server asking, not the token's holder.
    ...(claims.cnf ? { cnf: claims.cnf } : {}),
    user: login.user,
  }
}

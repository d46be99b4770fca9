/**
 * The contract's shapes this package reads, copied from `@boarding-pass/shared`
 * as plain types so that installing the verifier never installs zod.
 * `test/src/services/verify-types.test.ts` holds the two to each other.
 */

/**
 * Claims of a Boarding Pass access token (RFC 9068). `sub` is the user's id;
 * `sid` the login (session) it belongs to; `client_id` the app it was issued to
 * (since Boarding Pass 0.2; absent from older tokens).
 *
 * @example
 * ```ts
 * const claims: AccessTokenClaims = await verifyAccessToken(token, { issuer, audience })
 * console.log(claims.sub, claims.sid, new Date(claims.exp * 1000))
 * ```
 */
export interface AccessTokenClaims {
  iss: string
  sub: string
  aud: string | string[]
  iat: number
  exp: number
  jti: string
  sid: string
  provider: string
  client_id?: string
  /** Present when the token is bound to a DPoP key (RFC 9449): the key's RFC 7638 SHA-256 thumbprint. */
  cnf?: { jkt: string }
}

/**
 * A signed-in user as Boarding Pass describes them; `id` is stable for the same
 * provider account across logins.
 *
 * @example
 * ```ts
 * const answer = await introspectAccessToken(token, { url })
 * if (answer.active) greet(answer.user.name ?? answer.user.id)
 * ```
 */
export interface User {
  id: string
  provider: string
  name?: string
  email?: string
  picture?: string
}

/**
 * What `auth.introspect` answers: `{ active: false }` for any token that cannot
 * be used, otherwise its claims and its user.
 *
 * @example
 * ```ts
 * const answer: IntrospectOutput = await introspectAccessToken(token, { url })
 * if (!answer.active) refuse()
 * ```
 */
export type IntrospectOutput = { active: false } | ({ active: true; user: User } & AccessTokenClaims)

/**
 * The contract's refusal reasons this package can produce: answer with them on
 * your own wire (`invalid_token` → 401, `store_unavailable` → 503).
 *
 * @example
 * ```ts
 * const reason: VerifyReason = error.reason
 * ```
 */
export type VerifyReason = 'invalid_token' | 'store_unavailable'

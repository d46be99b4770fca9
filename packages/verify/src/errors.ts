import type { VerifyReason } from './claims.js'

/**
 * Why an access token was refused:
 *
 * - `missing`: no `Authorization: Bearer …` header (or an empty token)
 * - `malformed`: not a compact JWS, unreadable claims, a required claim missing
 *   or of the wrong type, `typ` other than `at+jwt` (see {@link isAccessTokenType}), no `kid`
 * - `unsupported_algorithm`: `alg` outside the allow-list (`none` and `HS*` always are)
 * - `unknown_key`: no key with its `kid` in the issuer's JWKS, even after a re-fetch
 * - `bad_signature`: the signature does not verify (a tampered token)
 * - `wrong_issuer`, `wrong_audience`: `iss` / `aud` are not the expected ones
 * - `expired`: `exp` has passed (beyond the clock tolerance)
 * - `lifetime_too_long`: `exp - iat` exceeds the longest lifetime allowed
 *   (`maxTokenLifetime`): whoever minted it is not following the issuer's settings
 * - `sender_constrained`: a DPoP-bound token (`cnf.jkt`) sent as Bearer, or
 *   given where no proof can be checked (`verifyAccessToken` alone, or
 *   `authenticate` given only a header value): it needs `Authorization: DPoP`
 *   and a proof for the request
 * - `invalid_dpop_proof`: a bound token whose DPoP proof is missing, malformed,
 *   by another key, for another method or URL, without the right `ath`, stale,
 *   or already used (RFC 9449); or an unbound token sent as DPoP
 * - `revoked`: it verifies, but Boarding Pass says its login has ended (introspection)
 *
 * @example
 * ```ts
 * if (isAccessTokenError(error) && error.code === 'expired') await refreshAndRetry()
 * ```
 */
export type AccessTokenErrorCode =
  | 'missing'
  | 'malformed'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'lifetime_too_long'
  | 'sender_constrained'
  | 'invalid_dpop_proof'
  | 'revoked'

/**
 * Every code a {@link BoardingPassError} can carry.
 *
 * @example
 * ```ts
 * const code: BoardingPassErrorCode = isBoardingPassError(error) ? error.code : 'issuer_unavailable'
 * ```
 */
export type BoardingPassErrorCode = AccessTokenErrorCode | 'issuer_unavailable'

const BRAND = Symbol.for('@boarding-pass/verify:error')

/**
 * The one base class of the SDK's errors. `code` says what happened (a string
 * union, for `switch`); `reason` is the wire contract's refusal reason to
 * answer with.
 *
 * Use {@link isBoardingPassError} / {@link isAccessTokenError} rather than
 * `instanceof` where two copies of this package may meet (bundles, duplicated
 * installs): they recognise errors from any copy.
 *
 * @example
 * ```ts
 * try {
 *   await verifyAccessToken(token, { issuer, audience })
 * } catch (error) {
 *   if (!isBoardingPassError(error)) throw error
 *   switch (error.code) {
 *     case 'expired': return askForRefresh()
 *     case 'issuer_unavailable': return retryLater()
 *     default: return refuse(error.reason) // 'invalid_token'
 *   }
 * }
 * ```
 */
export abstract class BoardingPassError extends Error {
  abstract readonly code: BoardingPassErrorCode
  abstract readonly reason: VerifyReason
  readonly [BRAND] = true

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * The access token cannot be accepted; `code` says why, `reason` is always
 * `invalid_token` (RFC 6750 §3.1): answer 401 and let the client get a new token.
 *
 * @example
 * ```ts
 * if (error instanceof AccessTokenError) res.status(401).json({ reason: error.reason, message: error.message })
 * ```
 */
export class AccessTokenError extends BoardingPassError {
  override readonly name = 'AccessTokenError'
  readonly reason = 'invalid_token' as const

  constructor(
    readonly code: AccessTokenErrorCode,
    message: string = ACCESS_TOKEN_MESSAGES[code],
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * Boarding Pass could not be asked (its JWKS or `auth.introspect` did not
 * answer, or answered `store_unavailable`). Says nothing about the token:
 * answer 503 and let the client retry, never 401.
 *
 * @example
 * ```ts
 * if (error instanceof IssuerUnavailableError) res.status(503).set('retry-after', '5').json({ reason: error.reason })
 * ```
 */
export class IssuerUnavailableError extends BoardingPassError {
  override readonly name = 'IssuerUnavailableError'
  readonly code = 'issuer_unavailable' as const
  /** From the caller's side Boarding Pass is where login state lives; the contract's word for "cannot check it now". */
  readonly reason = 'store_unavailable' as const

  constructor(
    message = 'Boarding Pass cannot be reached to check the access token; try again shortly.',
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Messages for clients: what is wrong with the token, never a key, a claim value or a stack. */
const ACCESS_TOKEN_MESSAGES: Record<AccessTokenErrorCode, string> = {
  missing: 'An access token is required: send Authorization: Bearer <token>.',
  malformed: 'The access token is malformed.',
  unsupported_algorithm: 'The access token is signed with an algorithm that is not accepted.',
  unknown_key: 'The access token is signed with an unknown key.',
  bad_signature: 'The access token signature does not verify.',
  wrong_issuer: 'The access token was issued by someone else.',
  wrong_audience: 'The access token is meant for another audience.',
  expired: 'The access token has expired.',
  lifetime_too_long: 'The access token lives longer than this service allows.',
  sender_constrained: 'The access token is bound to a key: send it as Authorization: DPoP, with a DPoP proof.',
  invalid_dpop_proof: 'The DPoP proof is missing or not valid for this request.',
  revoked: 'The access token belongs to a login that has ended.',
}

/**
 * True for an error of this SDK, from any copy of the package.
 *
 * @example
 * ```ts
 * if (!isBoardingPassError(error)) throw error // a bug, not a refusal
 * ```
 */
export function isBoardingPassError(value: unknown): value is BoardingPassError {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
}

/**
 * True for an {@link AccessTokenError}, from any copy of the package.
 *
 * @example
 * ```ts
 * if (isAccessTokenError(error)) return new Response(null, { status: 401 })
 * ```
 */
export function isAccessTokenError(value: unknown): value is AccessTokenError {
  return isBoardingPassError(value) && value.reason === 'invalid_token'
}

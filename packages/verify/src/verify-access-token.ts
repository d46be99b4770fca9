import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { isAccessTokenType } from './access-token-type.js'
import type { AccessTokenClaims } from './claims.js'
import { AccessTokenError, IssuerUnavailableError, isBoardingPassError } from './errors.js'
import { checkAbsoluteUrl, trimTrailingSlashes } from './urls.js'

/**
 * The signature algorithms Boarding Pass signs with; nothing else is ever accepted (no `none`, no `HS*`).
 *
 * @example
 * ```ts
 * verifyAccessToken(token, { issuer, audience, algorithms: [...ACCESS_TOKEN_ALGORITHMS] })
 * ```
 */
export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA', 'ES256'] as const

/**
 * One of {@link ACCESS_TOKEN_ALGORITHMS}.
 *
 * @example
 * ```ts
 * const algorithms: AccessTokenAlgorithm[] = ['ES256']
 * ```
 */
export type AccessTokenAlgorithm = (typeof ACCESS_TOKEN_ALGORITHMS)[number]

/** Longest token read at all; Boarding Pass's are far shorter. */
const MAX_TOKEN_LENGTH = 4096

/**
 * The longest `exp - iat` accepted by default, in seconds: Boarding Pass's own
 * default access-token lifetime (`AUTH_ACCESS_TOKEN_TTL`, 900 s). A token that
 * claims to live longer was not minted under those settings.
 *
 * @example
 * ```ts
 * createAuthenticator({ issuer, audience, maxTokenLifetime: Number(process.env.AUTH_ACCESS_TOKEN_TTL ?? DEFAULT_MAX_TOKEN_LIFETIME) })
 * ```
 */
export const DEFAULT_MAX_TOKEN_LIFETIME = 900
/** `AUTH_ACCESS_TOKEN_TTL`'s own upper bound. */
const MAX_TOKEN_LIFETIME_LIMIT = 86_400

/**
 * JWKS caching. Boarding Pass publishes a new key well before it signs with it
 * and serves its JWKS with `max-age=60`, so a minute's cache sees every key in
 * time; an unknown `kid` re-fetches at once, then at most every 10 s (so a flood
 * of made-up `kid`s costs Boarding Pass one request per 10 s per process).
 */
const JWKS_CACHE_MAX_AGE_MS = 60_000
const JWKS_COOLDOWN_MS = 10_000
const JWKS_TIMEOUT_MS = 5_000

/**
 * Options of {@link verifyAccessToken}: who issued the token and for whom, and how strictly to check it.
 *
 * @example
 * ```ts
 * const options: VerifyAccessTokenOptions = { issuer: 'https://login.example.com', audience: 'https://login.example.com', maxTokenLifetime: 900 }
 * ```
 */
export interface VerifyAccessTokenOptions {
  /** Boarding Pass's PUBLIC_URL: the tokens' `iss` (a trailing slash is ignored). */
  issuer: string
  /** What `aud` must hold: Boarding Pass's AUTH_AUDIENCE (its PUBLIC_URL unless set). One of several, given a list. */
  audience: string | string[]
  /** Seconds of clock skew allowed on `exp` (default 5). */
  clockTolerance?: number
  /** Accepted signature algorithms, a subset of {@link ACCESS_TOKEN_ALGORITHMS} (default: both). */
  algorithms?: AccessTokenAlgorithm[]
  /** Where this process reaches Boarding Pass, when not at `issuer` (an internal address, say). */
  url?: string
  /**
   * The keys, instead of fetching `{url}/.well-known/jwks.json`: any jose key-set
   * function (`createLocalJWKSet`, or `createRemoteJWKSet` with options of your own).
   */
  jwks?: JWTVerifyGetKey
  /**
   * The longest lifetime (`exp - iat`, seconds) a token may claim; longer ones are
   * refused as `lifetime_too_long`. Set it to Boarding Pass's `AUTH_ACCESS_TOKEN_TTL`
   * when you changed that (default {@link DEFAULT_MAX_TOKEN_LIFETIME}, 900; at most 86400).
   */
  maxTokenLifetime?: number
  /** The time to check `exp` against (default: now). For tests with a frozen clock. */
  currentDate?: Date
}

/**
 * Verifies a Boarding Pass access token (an RFC 9068 JWT, `typ: at+jwt`) the way
 * a resource server should: signature with a key from the issuer's JWKS
 * (fetched, cached, re-fetched on an unknown `kid`), algorithm in the allow-list,
 * `iss`, `aud`, `exp` with a small tolerance, `exp - iat` within `maxTokenLifetime`,
 * `typ` (see {@link isAccessTokenType}), and every claim Boarding Pass sets. A
 * DPoP-bound token (`cnf.jkt`) is refused as `sender_constrained`: a token
 * alone cannot show its proof; `createAuthenticator` (and the tRPC middleware)
 * accept one with a valid proof for the request.
 *
 * It does not know whether the login has since ended (logout, refresh-token
 * reuse): for that, ask {@link introspectAccessToken}, or use
 * `requireAccessToken({ checkRevocation: true })`.
 *
 * @returns the token's claims.
 * @throws {AccessTokenError} when the token is refused; `code` says why, `reason` is `invalid_token`.
 * @throws {IssuerUnavailableError} when the JWKS cannot be fetched (says nothing about the token).
 * @throws {TypeError} when the options are wrong (a programming error).
 * @see https://www.rfc-editor.org/rfc/rfc9068 JWT profile for OAuth 2.0 access tokens
 * @see https://www.rfc-editor.org/rfc/rfc8725 JWT best current practices
 *
 * @example
 * ```ts
 * import { verifyAccessToken, isAccessTokenError } from '@boarding-pass/verify'
 *
 * try {
 *   const claims = await verifyAccessToken(token, { issuer: 'https://login.example.com', audience: 'https://login.example.com' })
 *   console.log(claims.sub, claims.provider, claims.sid)
 * } catch (error) {
 *   if (isAccessTokenError(error)) console.log('refused:', error.code) // 'expired', 'bad_signature', …
 *   else throw error
 * }
 * ```
 */
export async function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<AccessTokenClaims> {
  if (typeof token !== 'string') throw new TypeError('verifyAccessToken: token must be a string')
  return verifyWithCheckedOptions(token, checkVerifyOptions(options, 'verifyAccessToken'))
}

/** {@link verifyAccessToken} with options checked once, up front (the middleware checks them at start, not per request). */
export async function verifyWithCheckedOptions(
  token: string,
  options: CheckedOptions,
  currentDate = options.currentDate,
  /** The authenticator checks the proof a bound token needs; alone, this cannot. */
  allowBound = false,
): Promise<AccessTokenClaims> {
  if (token.length === 0) throw new AccessTokenError('missing')
  if (token.length > MAX_TOKEN_LENGTH) throw new AccessTokenError('malformed')
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await jwtVerify(token, options.keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: options.algorithms,
      clockTolerance: options.clockTolerance,
      currentDate,
      requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'sid'],
    }))
  } catch (error) {
    throw toSdkError(error)
  }
  const claims = readClaims(payload)
  if (claims.exp - claims.iat > options.maxTokenLifetime) throw new AccessTokenError('lifetime_too_long')
  if (payload.cnf !== undefined) {
    const jkt = (payload.cnf as { jkt?: unknown } | null)?.jkt
    // A confirmation method this package cannot check (anything but a DPoP thumbprint) is never ignored.
    if (typeof jkt !== 'string' || jkt.length === 0) throw new AccessTokenError('malformed')
    if (!allowBound) throw new AccessTokenError('sender_constrained')
    claims.cnf = { jkt }
  }
  return claims
}

/** Options after {@link checkVerifyOptions}: normalised, with the key set resolved. */
export interface CheckedOptions {
  /** Where Boarding Pass is reached from here (JWKS, introspection). */
  url: string
  issuer: string
  audience: string | string[]
  algorithms: AccessTokenAlgorithm[]
  clockTolerance: number
  maxTokenLifetime: number
  currentDate: Date | undefined
  keys: JWTVerifyGetKey
}

/** Checks the options on entry (fails loudly: a wrong issuer or algorithm list is a bug, not a bad token). */
export function checkVerifyOptions(options: VerifyAccessTokenOptions, caller: string): CheckedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options are required`)
  const issuer = trimTrailingSlashes(checkAbsoluteUrl(options.issuer, `${caller}: issuer`))
  const url = options.url === undefined ? issuer : trimTrailingSlashes(checkAbsoluteUrl(options.url, `${caller}: url`))
  const { audience } = options
  const audiences = Array.isArray(audience) ? audience : [audience]
  if (audiences.length === 0 || audiences.some((value) => typeof value !== 'string' || value.length === 0)) {
    throw new TypeError(`${caller}: audience must be a non-empty string or a non-empty list of them`)
  }
  const algorithms = options.algorithms ?? [...ACCESS_TOKEN_ALGORITHMS]
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    algorithms.some((alg) => !(ACCESS_TOKEN_ALGORITHMS as readonly string[]).includes(alg))
  ) {
    throw new TypeError(`${caller}: algorithms must be a non-empty subset of ${ACCESS_TOKEN_ALGORITHMS.join(', ')}`)
  }
  const clockTolerance = options.clockTolerance ?? 5
  if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0 || clockTolerance > 300) {
    throw new TypeError(`${caller}: clockTolerance must be a number of seconds from 0 to 300`)
  }
  const maxTokenLifetime = options.maxTokenLifetime ?? DEFAULT_MAX_TOKEN_LIFETIME
  if (
    typeof maxTokenLifetime !== 'number' ||
    !Number.isInteger(maxTokenLifetime) ||
    maxTokenLifetime < 1 ||
    maxTokenLifetime > MAX_TOKEN_LIFETIME_LIMIT
  ) {
    throw new TypeError(`${caller}: maxTokenLifetime must be a whole number of seconds from 1 to ${MAX_TOKEN_LIFETIME_LIMIT}`)
  }
  if (
    options.currentDate !== undefined &&
    !(options.currentDate instanceof Date && Number.isFinite(options.currentDate.getTime()))
  ) {
    throw new TypeError(`${caller}: currentDate must be a valid Date`)
  }
  if (options.jwks !== undefined && typeof options.jwks !== 'function') {
    throw new TypeError(`${caller}: jwks must be a jose key-set function (createLocalJWKSet, createRemoteJWKSet)`)
  }
  return {
    url,
    issuer,
    audience,
    algorithms,
    clockTolerance,
    maxTokenLifetime,
    currentDate: options.currentDate,
    keys: options.jwks ? withKid(options.jwks) : remoteKeySet(`${url}/.well-known/jwks.json`),
  }
}

/** One remote key set per JWKS address for the whole process, so every call shares its cache. */
const remoteKeySets = new Map<string, JWTVerifyGetKey>()

function remoteKeySet(jwksUri: string): JWTVerifyGetKey {
  let keySet = remoteKeySets.get(jwksUri)
  if (!keySet) {
    const remote = createRemoteJWKSet(new URL(jwksUri), {
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    })
    keySet = withKid(async (header, token) => {
      try {
        return await remote(header, token)
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error
        // A fetch that failed, timed out, or brought back something that is not a JWKS: the issuer's problem, not the token's.
        throw new IssuerUnavailableError(undefined, { cause: error })
      }
    })
    remoteKeySets.set(jwksUri, keySet)
  }
  return keySet
}

/**
 * Header checks before any key is looked up: Boarding Pass always names its key
 * (a token without `kid` is not one of its tokens), and its access tokens say
 * `typ: at+jwt` (the same rule as the server's, {@link isAccessTokenType}).
 */
function withKid(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return (header, token) => {
    if (!isAccessTokenType(header.typ)) throw new AccessTokenError('malformed')
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw new AccessTokenError('malformed')
    return keys(header, token)
  }
}

/** The claims, once each has the type the contract gives it. */
function readClaims(payload: Record<string, unknown>): AccessTokenClaims {
  const { iss, sub, aud, iat, exp, jti, sid, provider, client_id } = payload
  const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0
  if (
    !text(iss) ||
    !text(sub) ||
    !text(jti) ||
    !text(sid) ||
    !text(provider) ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    !(text(aud) || (Array.isArray(aud) && aud.every(text))) ||
    (client_id !== undefined && !text(client_id))
  ) {
    throw new AccessTokenError('malformed')
  }
  const claims: AccessTokenClaims = { iss, sub, aud, iat, exp, jti, sid, provider }
  if (client_id !== undefined) claims.client_id = client_id
  return claims
}

/** What a jose failure means for the caller; anything unexpected is rethrown as is. */
export function toSdkError(error: unknown): unknown {
  if (isBoardingPassError(error)) return error
  const because = (code: ConstructorParameters<typeof AccessTokenError>[0]) =>
    new AccessTokenError(code, undefined, { cause: error })
  if (error instanceof errors.JWTExpired) return because('expired')
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'check_failed' && error.claim === 'iss') return because('wrong_issuer')
    if (error.reason === 'check_failed' && error.claim === 'aud') return because('wrong_audience')
    return because('malformed')
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return because('bad_signature')
  if (error instanceof errors.JOSEAlgNotAllowed) return because('unsupported_algorithm')
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return because('unknown_key')
  if (error instanceof errors.JOSEError) return because('malformed')
  return error
}

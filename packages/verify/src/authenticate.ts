import type { AccessTokenClaims } from './claims.js'
import { AccessTokenError } from './errors.js'
import { introspectAccessToken } from './introspect-access-token.js'
import { checkDpopProof, createMemoryReplayStore, type DpopReplayStore } from './dpop.js'
import { readAuthorization, readHeader, readRequestTarget, type AuthenticateInput } from './read-authorization.js'
import { checkAbsoluteUrl, trimTrailingSlashes } from './urls.js'
import { TtlCache } from './ttl-cache.js'
import { checkVerifyOptions, verifyWithCheckedOptions, type VerifyAccessTokenOptions } from './verify-access-token.js'

/**
 * Who is calling, as a protected route sees it (`ctx.user` in tRPC).
 *
 * @example
 * ```ts
 * const user: AuthenticatedUser = await authenticate(req)
 * db.notes.where({ owner: user.id })
 * ```
 */
export interface AuthenticatedUser {
  /** The user's stable id (the token's `sub`): key your data by this. */
  id: string
  /** The provider they signed in with. */
  provider: string
  /** The login the token belongs to (`sid`): what logout ends. */
  loginId: string
  /** Every claim of the verified token. */
  claims: AccessTokenClaims
}

/**
 * Options of {@link createAuthenticator}: those of `verifyAccessToken`, plus revocation checks.
 *
 * @example
 * ```ts
 * const options: AuthenticateOptions = { issuer, audience: issuer, checkRevocation: true }
 * ```
 */
export interface AuthenticateOptions extends Omit<VerifyAccessTokenOptions, 'currentDate'> {
  /**
   * Also ask Boarding Pass (`auth.introspect`) whether the login is still alive,
   * so a token of a login that has ended (logout, refresh-token reuse) is refused
   * at once instead of when it expires. Costs a round trip per token per
   * {@link revocationCacheTtl}. Default false: signature and claims only.
   */
  checkRevocation?: boolean
  /** Seconds an "active" answer is reused for the same token (default 1; 0: ask on every request). */
  revocationCacheTtl?: number
  /** The clock `exp` is checked against, in ms (default `Date.now`). For tests. */
  now?: () => number
  /**
   * This service's base URL as its clients call it (`https://api.example.com`),
   * when it runs behind a proxy: DPoP proofs name the URL the client used
   * (`htu`), which this replaces the request's own origin with. Default: the
   * request's `Host` header (Node) or its URL (Fetch).
   */
  publicUrl?: string
  /**
   * Where used DPoP proofs are remembered (each is accepted once). Default: this
   * process's memory ({@link createMemoryReplayStore}); with several processes,
   * pass a shared one (Redis: see {@link DpopReplayStore}).
   */
  replayStore?: DpopReplayStore
}

/**
 * Checks a request's `Authorization: Bearer …` (or `DPoP …` with a `DPoP` proof
 * header, for a token bound to a key) and resolves to the caller, or
 * rejects with an {@link AccessTokenError} / {@link IssuerUnavailableError}. It
 * takes the request itself (a Node `IncomingMessage`, as Express and Fastify
 * hand it over too; a Fetch `Request`, as h3 v2, Hono and Next.js do), its
 * headers (Fetch `Headers` or Node's header object), or the header's value.
 *
 * @example
 * ```ts
 * const user = await authenticate(req) // node:http, Express, Fastify (request.raw or request), h3 v1 (event.node.req)
 * const user2 = await authenticate(request) // a Fetch Request (h3 v2: event.req)
 * const user3 = await authenticate(req.headers.authorization)
 * ```
 */
export type Authenticate = (request: AuthenticateInput) => Promise<AuthenticatedUser>

/** RFC 6750 §2.1 and RFC 9449 §7.1: `Bearer` or `DPoP` (any case), one or more spaces, a b64token. */
const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i
/** A revoked login stays revoked: "inactive" is remembered this long. */
const INACTIVE_TTL_MS = 5 * 60_000
const MAX_CACHED_TOKENS = 10_000

/**
 * Makes the function that turns a request into its caller, for any framework
 * (node:http, Express, Fastify, h3, the Fetch API; the tRPC middleware
 * `requireAccessToken` of `@boarding-pass/verify/trpc` is built on it).
 * Options are checked here, once: a wrong one fails at start, not per request.
 *
 * @throws {AccessTokenError} (from the returned function) `missing`, `malformed`, `expired`, `revoked`, …
 * @throws {IssuerUnavailableError} (from the returned function) when Boarding Pass cannot be asked.
 * @see https://www.rfc-editor.org/rfc/rfc6750 Bearer Token Usage
 *
 * @example
 * ```ts
 * import { createAuthenticator, isBoardingPassError } from '@boarding-pass/verify'
 *
 * const authenticate = createAuthenticator({ issuer, audience: issuer, checkRevocation: true })
 * app.get('/notes', async (req, res) => {
 *   try {
 *     const user = await authenticate(req)
 *     res.json(await notesOf(user.id))
 *   } catch (error) {
 *     if (!isBoardingPassError(error)) throw error
 *     res.status(error.reason === 'invalid_token' ? 401 : 503).json({ reason: error.reason })
 *   }
 * })
 * ```
 */
export function createAuthenticator(options: AuthenticateOptions): Authenticate {
  const checked = checkVerifyOptions(options, 'createAuthenticator')
  const { now } = options
  if (now !== undefined && typeof now !== 'function') throw new TypeError('createAuthenticator: now must be a function')
  const cacheTtl = options.revocationCacheTtl ?? 1
  if (typeof cacheTtl !== 'number' || !Number.isFinite(cacheTtl) || cacheTtl < 0 || cacheTtl > 300) {
    throw new TypeError('createAuthenticator: revocationCacheTtl must be a number of seconds from 0 to 300')
  }
  const revocation = options.checkRevocation ? new RevocationCheck(checked.url, cacheTtl * 1000) : undefined
  const publicUrl =
    options.publicUrl === undefined
      ? undefined
      : trimTrailingSlashes(checkAbsoluteUrl(options.publicUrl, 'createAuthenticator: publicUrl'))
  const replayStore = options.replayStore ?? createMemoryReplayStore()
  if (typeof replayStore.putIfAbsent !== 'function') {
    throw new TypeError('createAuthenticator: replayStore must have a putIfAbsent(key, ttlSeconds) method')
  }

  return async function authenticate(request) {
    const { scheme, token } = readToken(readAuthorization(request))
    const at = now ? now() : Date.now()
    const claims = await verifyWithCheckedOptions(token, checked, now ? new Date(at) : undefined, true)
    if (claims.cnf) {
      const target = scheme === 'dpop' ? readRequestTarget(request, publicUrl) : undefined
      // Bearer use of a bound token, or no request to check a proof against.
      if (!target) throw new AccessTokenError('sender_constrained')
      const proof = readHeader(request as object, 'dpop')
      await checkDpopProof({ proof, ...target, accessToken: token, jkt: claims.cnf.jkt, replayStore, now: at })
    } else if (scheme === 'dpop') {
      throw new AccessTokenError('invalid_dpop_proof', 'The access token is not bound to a key: send it as Bearer.')
    }
    if (revocation && !(await revocation.isActive(token, claims))) throw new AccessTokenError('revoked')
    return { id: claims.sub, provider: claims.provider, loginId: claims.sid, claims }
  }
}

/** The scheme and token of an `Authorization: Bearer …` or `DPoP …` value. */
function readToken(authorization: unknown): { scheme: 'bearer' | 'dpop'; token: string } {
  if (authorization === undefined || authorization === null) throw new AccessTokenError('missing')
  if (typeof authorization !== 'string') throw new AccessTokenError('malformed')
  if (authorization.trim() === '') throw new AccessTokenError('missing')
  const match = AUTHORIZATION.exec(authorization.trim())
  if (!match?.[2]) throw new AccessTokenError('malformed')
  return { scheme: match[1]!.length === 4 ? 'dpop' : 'bearer', token: match[2] }
}

/** Introspection answers per token, briefly remembered, one request in flight per token. */
class RevocationCheck {
  private readonly answers = new TtlCache<boolean>(MAX_CACHED_TOKENS)
  private readonly inFlight = new Map<string, Promise<boolean>>()

  constructor(
    private readonly url: string,
    private readonly activeTtlMs: number,
  ) {}

  async isActive(token: string, claims: AccessTokenClaims): Promise<boolean> {
    const key = `${claims.sid}\u0000${claims.jti}`
    const known = this.answers.get(key)
    if (known !== undefined) return known
    // With no cache at all, do not share an answer either: one asked before a logout must not serve a request after it.
    if (this.activeTtlMs === 0) return this.ask(token, claims, key)
    let pending = this.inFlight.get(key)
    if (!pending) {
      pending = this.ask(token, claims, key).finally(() => this.inFlight.delete(key))
      this.inFlight.set(key, pending)
    }
    return pending
  }

  private async ask(token: string, claims: AccessTokenClaims, key: string): Promise<boolean> {
    const answer = await introspectAccessToken(token, { url: this.url })
    const active = answer.active && answer.sid === claims.sid && answer.sub === claims.sub
    if (!active) this.answers.set(key, false, INACTIVE_TTL_MS)
    else if (this.activeTtlMs > 0) this.answers.set(key, true, this.activeTtlMs)
    return active
  }
}

import { EmbeddedJWK, base64url, calculateJwkThumbprint, jwtVerify, type JWK } from 'jose'
import { AccessTokenError } from './errors.js'

/**
 * Where used DPoP proofs are remembered, so each is accepted once (RFC 9449
 * §11.1). One method: store `key` for `ttlSeconds` unless it is already there,
 * atomically, and say whether this call stored it. Share one store between
 * every process of a service (Redis), or a proof accepted by one process can
 * be replayed on another.
 *
 * @example
 * ```ts
 * // node-redis v4/v5 (`createClient()`), no dependency added to this package:
 * const replayStore: DpopReplayStore = {
 *   putIfAbsent: async (key, ttlSeconds) => (await redis.set(`dpop:${key}`, '1', { NX: true, EX: ttlSeconds })) === 'OK',
 * }
 * // ioredis: (await redis.set(`dpop:${key}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK'
 * const authenticate = createAuthenticator({ issuer, audience: issuer, replayStore })
 * ```
 */
export interface DpopReplayStore {
  /** True when `key` was absent and is now stored for `ttlSeconds`; false when it was already there. */
  putIfAbsent(key: string, ttlSeconds: number): Promise<boolean>
}

/**
 * The default {@link DpopReplayStore}: in this process's memory, at most `max`
 * proofs (default 100 000; the oldest go first when full, and they are the first
 * to expire anyway). Right for one process; several processes need a shared
 * store (see {@link DpopReplayStore}'s Redis example).
 *
 * @example
 * ```ts
 * const authenticate = createAuthenticator({ issuer, audience: issuer, replayStore: createMemoryReplayStore({ max: 10_000 }) })
 * ```
 */
export function createMemoryReplayStore(options: { max?: number; now?: () => number } = {}): DpopReplayStore {
  const max = options.max ?? 100_000
  if (!Number.isInteger(max) || max < 1) throw new TypeError('createMemoryReplayStore: max must be a positive whole number')
  const now = options.now ?? Date.now
  const seen = new Map<string, number>()
  return {
    async putIfAbsent(key, ttlSeconds) {
      const at = now()
      const until = seen.get(key)
      if (until !== undefined && until > at) return false
      seen.delete(key)
      if (seen.size >= max) {
        // Entries are in insertion order, and all live about as long: the first ones expire first.
        for (const [oldKey, oldUntil] of seen) {
          if (seen.size < max && oldUntil > at) break
          seen.delete(oldKey)
        }
      }
      seen.set(key, at + ttlSeconds * 1000)
      return true
    },
  }
}

/** Proof algorithms accepted: those Boarding Pass advertises (`dpop_signing_alg_values_supported`). */
const DPOP_ALGORITHMS = ['ES256', 'EdDSA']
/** Seconds a proof's `iat` may be from this process's clock, either way (contract v1.2). */
const IAT_WINDOW = 60
const MAX_PROOF_LENGTH = 2048
const MAX_JTI_LENGTH = 256

/** What a proof must match: the request it comes with and the token it accompanies. */
export interface DpopCheck {
  proof: unknown
  method: string
  /** The request's absolute URL as the client sent it (query and fragment are ignored). */
  url: string
  accessToken: string
  /** The token's `cnf.jkt`. */
  jkt: string
  replayStore: DpopReplayStore
  /** Now, in ms. */
  now: number
}

/**
 * Checks the DPoP proof of a request that carries a bound access token (RFC
 * 9449 §4.3 and §7.1): a JWS (`typ: dpop+jwt`, ES256 or EdDSA, the public key in
 * its `jwk` header; jose's `jwtVerify` with `EmbeddedJWK`) by the key the token
 * is bound to, for this method and URL, covering this token (`ath`), issued
 * within 60 s, and never seen before (`replayStore`).
 *
 * @throws {AccessTokenError} `invalid_dpop_proof` when any of that fails.
 */
export async function checkDpopProof(check: DpopCheck): Promise<void> {
  const refuse = (why: string) => new AccessTokenError('invalid_dpop_proof', `The DPoP proof ${why}.`)
  const { proof } = check
  if (typeof proof !== 'string' || proof.length === 0) throw refuse('is missing')
  if (proof.length > MAX_PROOF_LENGTH) throw refuse('is malformed')
  let payload: Record<string, unknown>
  let jwk: JWK
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGORITHMS })
    payload = verified.payload
    jwk = verified.protectedHeader.jwk as JWK
  } catch (cause) {
    throw new AccessTokenError('invalid_dpop_proof', 'The DPoP proof is malformed or its signature does not verify.', {
      cause,
    })
  }
  const { htm, htu, iat, jti, ath } = payload
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw refuse('has no valid jti')
  if (htm !== check.method) throw refuse('is for another method (htm)')
  const expected = withoutQuery(check.url)
  if (typeof htu !== 'string' || expected === undefined || withoutQuery(htu) !== expected) {
    throw refuse('is for another URL (htu)')
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(check.now / 1000 - iat) > IAT_WINDOW) {
    throw refuse('is stale or from the future (iat)')
  }
  if (ath !== (await sha256(check.accessToken))) throw refuse('does not cover this access token (ath)')
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== check.jkt) throw refuse('is signed by another key')
  if (!(await check.replayStore.putIfAbsent(`${check.jkt}:${jti}`, 2 * IAT_WINDOW + 10))) throw refuse('was already used (jti)')
}

/** base64url SHA-256, with Web Crypto (Node 20's global `crypto`, and every other runtime's). */
async function sha256(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))))
}

/** RFC 9449 §4.3: compared without query and fragment, after syntax-based normalisation. */
function withoutQuery(value: string): string | undefined {
  try {
    const url = new URL(value)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return undefined
  }
}

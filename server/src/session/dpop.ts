import { createHash } from 'node:crypto'
import {
  EmbeddedJWK,
  calculateJwkThumbprint,
  jwtVerify,
  type CryptoKey,
  type FlattenedJWSInput,
  type JWK,
  type JWSHeaderParameters,
} from 'jose'
import { LRUCache } from 'lru-cache'
import type { Reason } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import type { Services } from '../services.js'

/** The proof algorithms accepted (the discovery document's `dpop_signing_alg_values_supported`). */
export const DPOP_ALGORITHMS = ['ES256', 'EdDSA']

/** Seconds a proof's `iat` may differ from the server's clock, either way (contract v1.2). */
export const DPOP_IAT_WINDOW = 60

/**
 * A used `jti` is remembered for longer than any proof that carries it can be
 * accepted (`iat` within ±60 s of a clock that may itself differ a little
 * between instances), so a replay can never outlive the record.
 */
const JTI_TTL_MS = (2 * DPOP_IAT_WINDOW + 10) * 1000

/** Longest proof read at all (a P-256 or Ed25519 proof is ~500 characters). */
const MAX_PROOF_LENGTH = 2048
const MAX_JTI_LENGTH = 256

/**
 * `WWW-Authenticate` challenges of RFC 9449 §7.1, by what was wrong: the proof
 * (`invalid_dpop_proof`) or the token's use (`invalid_token`: a bound token sent
 * as Bearer).
 */
export const DPOP_CHALLENGES = {
  invalid_dpop_proof: `DPoP error="invalid_dpop_proof", algs="${DPOP_ALGORITHMS.join(' ')}"`,
  invalid_token: `DPoP error="invalid_token", algs="${DPOP_ALGORITHMS.join(' ')}"`,
} as const

/** A refusal about DPoP: the contract's reason plus the challenge for `WWW-Authenticate`. */
export class DpopError extends AuthError {
  constructor(
    reason: Reason,
    readonly challenge: keyof typeof DPOP_CHALLENGES | undefined,
    message?: string,
  ) {
    super(reason, message)
  }
}

/**
 * Public keys already imported from a proof's `jwk` header, with their
 * thumbprint, by the header's exact `alg` and `jwk` text: a client signs every
 * call with the same key, and importing it (Web Crypto) is about half the cost
 * of a check. A hit is the key EmbeddedJWK made from exactly that JWK; the
 * signature is still verified on every proof.
 */
const importedKeys = new LRUCache<string, { key: Promise<CryptoKey>; jkt: Promise<string> }>({ max: 10_000 })

function importedKey(header: JWSHeaderParameters, token: FlattenedJWSInput) {
  const id = `${String(header.alg)}\u0000${JSON.stringify(header.jwk)}`
  let entry = importedKeys.get(id)
  if (!entry) {
    const key = EmbeddedJWK(header, token)
    entry = { key, jkt: key.then(() => calculateJwkThumbprint(header.jwk as JWK, 'sha256')) }
    // A JWK that does not import is not remembered.
    key.catch(() => importedKeys.delete(id))
    entry.jkt.catch(() => undefined)
    importedKeys.set(id, entry)
  }
  return entry
}

/** The request a proof must be for. */
export interface DpopRequest {
  /** The `DPoP` header's value (Node joins repeated headers with ", ", which no JWS contains). */
  proof: string | undefined
  method: string
  /** The request's path, without query or fragment (the batch's path for a batched tRPC call). */
  path: string
  /** The access token the proof must cover (`ath`), on resource calls. */
  accessToken?: string
  /** The key the proof must be signed with (the token's `cnf.jkt`), on resource calls. */
  jkt?: string
}

/**
 * Checks a DPoP proof (RFC 9449 §4.3) for one request and records its `jti` as
 * used, on every instance (the store's atomic put-if-absent, kept as long as
 * the `iat` window). Resolves to the thumbprint (`jkt`, RFC 7638 SHA-256) of the
 * key that signed it. The JWS (signature, `typ: dpop+jwt`, `alg`, public `jwk`
 * header) is jose's `jwtVerify` with `EmbeddedJWK`; the rest is the contract's.
 *
 * No `DPoP-Nonce` is demanded (contract v1.2): a server nonce costs every
 * client an extra round trip on its first call and after each nonce rotation,
 * and the window it closes (a proof made in advance by malware on the device)
 * does not fit an in-browser key that such malware could use directly anyway;
 * single-use `jti` plus the ±60 s `iat` window bound what a copied proof is worth.
 *
 * @throws {DpopError} with `reason` (`invalid_request` at complete/refresh,
 *   `invalid_token` on resource calls) when the proof is missing, malformed,
 *   not for this request, stale, or already used.
 */
export async function checkDpopProof(services: Services, request: DpopRequest, reason: Reason): Promise<string> {
  const refuse = (message: string) => new DpopError(reason, 'invalid_dpop_proof', message)
  const { proof } = request
  if (!proof) throw refuse('A DPoP proof is required.')
  if (proof.length > MAX_PROOF_LENGTH) throw refuse('The DPoP proof is malformed.')
  let payload: Record<string, unknown>
  let jkt: Promise<string> | undefined
  try {
    const verified = await jwtVerify(
      proof,
      (header, token) => {
        const entry = importedKey(header, token)
        jkt = entry.jkt
        return entry.key
      },
      { typ: 'dpop+jwt', algorithms: DPOP_ALGORITHMS },
    )
    payload = verified.payload
  } catch {
    throw refuse('The DPoP proof is malformed or its signature does not verify.')
  }
  const { htm, htu, iat, jti, ath } = payload
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw refuse('The DPoP proof has no valid jti.')
  if (htm !== request.method) throw refuse('The DPoP proof is for another method (htm).')
  const expected = normalizeHtu(services.settings.publicUrl + request.path)
  if (typeof htu !== 'string' || expected === undefined || normalizeHtu(htu) !== expected) {
    throw refuse('The DPoP proof is for another URL (htu).')
  }
  const now = services.now() / 1000
  if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(now - iat) > DPOP_IAT_WINDOW) {
    throw refuse('The DPoP proof is stale or from the future (iat).')
  }
  if (request.accessToken !== undefined && ath !== accessTokenHash(request.accessToken)) {
    throw refuse('The DPoP proof does not cover this access token (ath).')
  }
  const thumbprint = await jkt!
  if (request.jkt !== undefined && thumbprint !== request.jkt) throw refuse('The DPoP proof is signed by another key.')
  // Unique per key (RFC 9449 §11.1); hashed so the key's length is fixed whatever the client sent.
  const marker = createHash('sha256').update(thumbprint).update('\u0000').update(jti).digest('base64url')
  if (!(await services.store.dpopProofs.putIfAbsent(marker, 1, JTI_TTL_MS))) {
    throw refuse('The DPoP proof was already used (jti).')
  }
  return thumbprint
}

/** `ath`: base64url SHA-256 of the access token (RFC 9449 §4.2). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url')
}

/** RFC 9449 §4.3 step 9: compare `htu` without query and fragment, after syntax-based normalisation. */
function normalizeHtu(value: string): string | undefined {
  try {
    const url = new URL(value)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return undefined
  }
}

/**
 * The key of the request's DPoP proof at `auth.complete` / `auth.refresh`, or
 * undefined when it has none (v1 behaviour, at no extra cost). A proof that does
 * not check out is `invalid_request`, before anything is spent.
 */
export async function bindingKey(
  services: Services,
  request: { dpop: string | undefined; method: string; path: string },
): Promise<string | undefined> {
  if (request.dpop === undefined) return undefined
  return checkDpopProof(services, { proof: request.dpop, method: request.method, path: request.path }, 'invalid_request')
}

/** The `WWW-Authenticate` value for a failed call, when one of its errors is a DPoP refusal (RFC 9449 §7.1). */
export function dpopChallengeOf(errors: readonly ({ cause?: unknown } | undefined)[]): string | undefined {
  for (const error of errors) {
    const cause = error?.cause
    if (cause instanceof DpopError && cause.challenge) return DPOP_CHALLENGES[cause.challenge]
  }
  return undefined
}

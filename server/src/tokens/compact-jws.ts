import { sign, verify, type KeyObject } from 'node:crypto'

/** The algorithms access tokens are signed with. Nothing else is ever accepted. */
export type SigningAlg = 'EdDSA' | 'ES256'

/**
 * Signs `payload` as a compact JWS (RFC 7515) with node:crypto, synchronously.
 * The access token's hot path: jose's general-purpose `SignJWT` goes through
 * Web Crypto's asynchronous jobs, which cost more than the signature itself
 * (see bench/). The output is an ordinary JWT; jose verifies it (tests hold the
 * two to each other).
 *
 * `encodedHeader` is the base64url header, built once per key.
 */
export function signCompactJws(encodedHeader: string, payload: object, key: KeyObject, alg: SigningAlg): string {
  const signingInput = `${encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
  const signature =
    alg === 'EdDSA'
      ? sign(null, Buffer.from(signingInput), key)
      : sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' })
  return `${signingInput}.${signature.toString('base64url')}`
}

/** The base64url protected header of an access token signed by `kid`. */
export function encodeHeader(alg: SigningAlg, kid: string): string {
  return Buffer.from(JSON.stringify({ alg, kid, typ: 'at+jwt' })).toString('base64url')
}

/** A compact JWS taken apart; nothing is trusted yet. */
export interface ParsedJws {
  header: { alg?: unknown; kid?: unknown; typ?: unknown; crit?: unknown }
  payload: Record<string, unknown>
  signingInput: string
  signature: Buffer
}

const PART = /^[A-Za-z0-9_-]+$/

/** Splits and decodes a compact JWS; undefined unless it has exactly three base64url parts of JSON objects. */
export function parseCompactJws(token: string): ParsedJws | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, payload, signature] = parts as [string, string, string]
  if (!PART.test(header) || !PART.test(payload) || !PART.test(signature)) return undefined
  const decodedHeader = decodeJsonObject(header)
  const decodedPayload = decodeJsonObject(payload)
  if (!decodedHeader || !decodedPayload) return undefined
  return {
    header: decodedHeader,
    payload: decodedPayload,
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  }
}

/** Checks the signature of a parsed JWS with `key`, for the algorithm the key was made for (never the header's say-so alone). */
export function verifyCompactJws(jws: ParsedJws, key: KeyObject, alg: SigningAlg): boolean {
  if (jws.header.alg !== alg) return false
  const data = Buffer.from(jws.signingInput)
  try {
    return alg === 'EdDSA'
      ? verify(null, data, key, jws.signature)
      : verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jws.signature)
  } catch {
    return false
  }
}

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

import { createHash, randomBytes } from 'node:crypto'

/** A new opaque secret (Server Code, refresh token, flow id): `bytes` random bytes, base64url. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/**
 * What the store keys a secret by: its SHA-256. A copy of the store yields no
 * redeemable Server Code or refresh token.
 */
export function secretKey(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url')
}

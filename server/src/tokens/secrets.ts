import { hash, randomFillSync } from 'node:crypto'

/** Random bytes are drawn from the CSPRNG a pool at a time: one system call per 4 KiB, not one per secret. */
const pool = Buffer.alloc(4096)
let offset = pool.length

/** A new opaque secret (Server Code, refresh token, flow id): `bytes` random bytes (at most 256), base64url. */
export function randomSecret(bytes = 32): string {
  if (bytes > 256) throw new RangeError('randomSecret: at most 256 bytes')
  if (offset + bytes > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  // Each byte is handed out once, then overwritten.
  const secret = pool.toString('base64url', offset, offset + bytes)
  pool.fill(0, offset, offset + bytes)
  offset += bytes
  return secret
}

/**
 * What the store keys a secret by: its SHA-256. A copy of the store yields no
 * redeemable Server Code or refresh token.
 */
export function secretKey(secret: string): string {
  return hash('sha256', secret, 'base64url')
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

/**
 * A spent refresh token's successor, kept with the spent record so that a
 * retry of the same refresh (same client, within the grace window) gets the
 * same successor. It is encrypted (AES-256-GCM) under a key derived from the
 * spent token itself, in another domain than the store's key (SHA-256 of the
 * token): a copy of the store reads no successor, only the token's holder can.
 */
export function sealSuccessor(spentToken: string, successor: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyFor(spentToken), iv)
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()])
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')
}

/** The successor sealed by {@link sealSuccessor} with the same spent token; undefined if it does not open. */
export function openSuccessor(spentToken: string, sealed: string): string | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', keyFor(spentToken), bytes.subarray(0, 12))
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}

/** Who is refreshing, as one opaque tag: SHA-256 of the client address and User-Agent. */
export function clientTag(ip: string, userAgent: string | undefined): string {
  return createHash('sha256')
    .update(`${ip}\n${userAgent ?? ''}`)
    .digest('base64url')
}

function keyFor(spentToken: string): Buffer {
  return createHash('sha256').update('boarding-pass refresh successor\n').update(spentToken).digest()
}

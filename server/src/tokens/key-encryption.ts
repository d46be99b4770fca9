import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { JWK } from 'jose'

/** The variable that holds the key-encryption key; every error here names it. */
export const KEY_ENCRYPTION_VARIABLE = 'AUTH_KEY_ENCRYPTION_KEY'

/**
 * A private signing key as kept in the shared store: its JWK encrypted with
 * AES-256-GCM under the key-encryption key `kek` names, and bound (as
 * additional authenticated data) to the signing key's `kid`, so a sealed key
 * cannot be moved to another entry of the set.
 */
export interface SealedKey {
  /** Envelope version. */
  v: 1
  /** Which key-encryption key sealed it: the first 16 characters of the base64url SHA-256 of that key. */
  kek: string
  /** 96-bit nonce, base64url. */
  iv: string
  /** The encrypted JWK, base64url. */
  ct: string
  /** The GCM tag, base64url. */
  tag: string
}

/** The store's signing keys cannot be used with the configured key-encryption key (missing, wrong, or not the one that sealed them). */
export class KeyEncryptionError extends Error {
  override readonly name = 'KeyEncryptionError'
  readonly variable = KEY_ENCRYPTION_VARIABLE
}

/** Decodes a setting: 32 bytes as base64url (43 characters, no padding), or undefined when it is not that. */
export function decodeKeyEncryptionKey(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(value)) return undefined
  const bytes = Buffer.from(value, 'base64url')
  return bytes.length === 32 ? bytes : undefined
}

/**
 * Seals and opens the private signing keys kept in a shared store
 * (`AUTH_KEY_ENCRYPTION_KEY`). Seals with the current key; opens with it or
 * with the previous one (`AUTH_KEY_ENCRYPTION_KEY_PREVIOUS`, during a rotation
 * of the encryption key), so instances can be moved to a new key one by one.
 */
export class KeyEncryption {
  private readonly current: { id: string; key: Buffer }
  private readonly previous: { id: string; key: Buffer } | undefined

  constructor(current: Buffer, previous?: Buffer) {
    this.current = { id: keyId(current), key: current }
    this.previous = previous && { id: keyId(previous), key: previous }
  }

  /** The private JWK of signing key `kid`, sealed with the current key. */
  seal(jwk: JWK, kid: string): SealedKey {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv)
    cipher.setAAD(aad(kid))
    const ct = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()])
    return {
      v: 1,
      kek: this.current.id,
      iv: iv.toString('base64url'),
      ct: ct.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    }
  }

  /** Opens a sealed key; throws {@link KeyEncryptionError} when neither configured key sealed it, or it was altered. */
  open(sealed: SealedKey, kid: string): JWK {
    const kek = [this.current, this.previous].find((candidate) => candidate?.id === sealed.kek)
    if (sealed.v !== 1 || !kek) {
      throw new KeyEncryptionError(
        `the signing keys in the store were encrypted with another key (key id ${String(sealed.kek)}); ` +
          'set the key that sealed them, or put it in AUTH_KEY_ENCRYPTION_KEY_PREVIOUS while rotating',
      )
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(sealed.iv, 'base64url'))
      decipher.setAAD(aad(kid))
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'))
      const text = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]).toString('utf8')
      return JSON.parse(text) as JWK
    } catch {
      throw new KeyEncryptionError('cannot decrypt the signing keys in the store with this key (altered, or a wrong key)')
    }
  }

  /** True when `sealed` should be sealed again with the current key (it was sealed with the previous one). */
  isStale(sealed: SealedKey): boolean {
    return sealed.kek !== this.current.id
  }

  /** The current key's id, as it appears in envelopes (no secret: a truncated hash of a 256-bit random key). */
  get keyId(): string {
    return this.current.id
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 16)
}

function aad(kid: string): Buffer {
  return Buffer.from(`boarding-pass signing key ${kid}`, 'utf8')
}

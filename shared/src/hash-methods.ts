/**
 * Digest methods allowed for the Client Code Hash. `plain` is not one of them, on
 * purpose: a hash is what keeps the Client Code off the wire until step 3
 * (a PKCE downgrade is refused as `unsupported_hash_method`).
 */
export const HASH_METHODS = ['sha256', 'sha384', 'sha512'] as const

/** One of {@link HASH_METHODS}. */
export type HashMethod = (typeof HASH_METHODS)[number]

/** The method clients use unless they choose another. */
export const DEFAULT_HASH_METHOD: HashMethod = 'sha256'

/** Web Crypto's name for each method. */
export const WEB_CRYPTO_DIGEST: Record<HashMethod, 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
}

/** Length in characters of each method's base64url digest (no padding). */
export const HASH_LENGTH: Record<HashMethod, number> = { sha256: 43, sha384: 64, sha512: 86 }

/** True when `value` names an allowed hash method. */
export function isHashMethod(value: unknown): value is HashMethod {
  return typeof value === 'string' && (HASH_METHODS as readonly string[]).includes(value)
}

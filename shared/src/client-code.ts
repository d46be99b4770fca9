import { encodeBase64url } from './base64url.js'
import { DEFAULT_HASH_METHOD, WEB_CRYPTO_DIGEST, isHashMethod, type HashMethod } from './hash-methods.js'
import { webCrypto } from './web-crypto.js'

/** RFC 7636 §4.1 code_verifier: 43–128 characters of `A-Z a-z 0-9 - . _ ~`. */
export const CLIENT_CODE_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/

/**
 * Makes a new Client Code: `byteLength` random bytes (32 by default, the least
 * allowed) from Web Crypto, base64url without padding.
 *
 * @example
 * ```ts
 * const clientCode = generateClientCode() // 43 characters
 * ```
 */
export function generateClientCode(byteLength = 32): string {
  if (!Number.isInteger(byteLength) || byteLength < 32 || byteLength > 96) {
    throw new RangeError('generateClientCode: byteLength must be an integer from 32 to 96')
  }
  return encodeBase64url(webCrypto().getRandomValues(new Uint8Array(byteLength)))
}

/**
 * The Client Code Hash: base64url (no padding) of HASH(ASCII bytes of the Client
 * Code). With `sha256` this is exactly RFC 7636's S256 code_challenge.
 *
 * @example
 * ```ts
 * await hashClientCode('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'sha256')
 * // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' (RFC 7636 Appendix B)
 * ```
 */
export async function hashClientCode(clientCode: string, method: HashMethod = DEFAULT_HASH_METHOD): Promise<string> {
  if (!isHashMethod(method)) throw new TypeError(`hashClientCode: unsupported hash method ${String(method)}`)
  if (typeof clientCode !== 'string' || !CLIENT_CODE_PATTERN.test(clientCode)) {
    throw new TypeError('hashClientCode: a Client Code is 43-128 characters of A-Z a-z 0-9 - . _ ~')
  }
  const bytes = new TextEncoder().encode(clientCode)
  const digest = await webCrypto().subtle.digest(WEB_CRYPTO_DIGEST[method], bytes)
  return encodeBase64url(new Uint8Array(digest))
}

/** A Client Code with its hash, ready for `auth.start`. */
export interface ClientCodePair {
  clientCode: string
  clientCodeHash: string
  hashMethod: HashMethod
}

/**
 * Makes a Client Code and hashes it in one step.
 *
 * @example
 * ```ts
 * const { clientCode, clientCodeHash, hashMethod } = await createClientCodePair()
 * ```
 */
export async function createClientCodePair(method: HashMethod = DEFAULT_HASH_METHOD): Promise<ClientCodePair> {
  const clientCode = generateClientCode()
  return { clientCode, clientCodeHash: await hashClientCode(clientCode, method), hashMethod: method }
}

/**
 * Compares two strings in time that depends only on their lengths, never on where
 * they first differ. Use it for every comparison of a secret or its hash.
 *
 * @example
 * ```ts
 * timingSafeEqual(await hashClientCode(code, method), storedHash)
 * ```
 */
export function timingSafeEqual(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false
  const length = Math.max(a.length, b.length)
  let diff = a.length ^ b.length
  for (let i = 0; i < length; i++) {
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0)
  }
  return diff === 0
}

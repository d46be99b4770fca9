/** Characters of base64url without padding (RFC 4648 §5). */
export const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Encodes bytes as base64url without padding (RFC 4648 §5), in the browser and in Node.
 *
 * @example
 * ```ts
 * encodeBase64url(new Uint8Array([251, 255])) // '-_8'
 * ```
 */
export function encodeBase64url(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * The platform's Web Crypto. There is deliberately no fallback: without a
 * cryptographically secure source of randomness and a real digest the two-code
 * flow is not safe, so this fails loudly instead (unlike libraries that quietly
 * drop to `Math.random` and the `plain` method).
 */
export function webCrypto(): Crypto {
  const crypto = globalThis.crypto as Crypto | undefined
  if (!crypto?.subtle || typeof crypto.getRandomValues !== 'function') {
    throw new Error(
      'Web Crypto (globalThis.crypto.subtle) is not available: Boarding Pass needs a secure context (https or localhost) or Node 20+',
    )
  }
  return crypto
}

import { describe, expect, it } from 'vitest'
import { BASE64URL, encodeBase64url } from './base64url.js'

describe('encodeBase64url', () => {
  it('uses - and _ and no padding (RFC 4648 §5)', () => {
    expect(encodeBase64url(new Uint8Array([251, 255]))).toBe('-_8')
    expect(encodeBase64url(new Uint8Array([]))).toBe('')
    expect(encodeBase64url(new Uint8Array([0]))).toBe('AA')
  })

  it('agrees with node:crypto for every length up to 100 bytes and for large inputs', () => {
    for (let length = 0; length <= 100; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length))
      expect(encodeBase64url(bytes)).toBe(Buffer.from(bytes).toString('base64url'))
    }
    const large = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff)
    expect(encodeBase64url(large)).toBe(Buffer.from(large).toString('base64url'))
  })

  it('produces only BASE64URL characters', () => {
    const bytes = new Uint8Array(256).map((_, i) => i)
    expect(encodeBase64url(bytes)).toMatch(BASE64URL)
    expect(BASE64URL.test('ab+/')).toBe(false)
    expect(BASE64URL.test('ab==')).toBe(false)
  })
})

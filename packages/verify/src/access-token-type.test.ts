import { describe, expect, it } from 'vitest'
import { isAccessTokenType } from './access-token-type.js'

describe('isAccessTokenType', () => {
  it('accepts at+jwt and application/at+jwt in any case (RFC 9068 §4, RFC 7515 §4.1.9)', () => {
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+JWT'])
      expect(isAccessTokenType(typ), typ).toBe(true)
  })

  it('refuses every other type, padding, and a non-string', () => {
    for (const typ of ['JWT', 'jwt', 'application/jwt', ' at+jwt', 'at+jwt ', 'text/at+jwt', 'dpop+jwt', 'at+jwt;q=1', '']) {
      expect(isAccessTokenType(typ), typ).toBe(false)
    }
    for (const typ of [undefined, null, 1, ['at+jwt']]) expect(isAccessTokenType(typ)).toBe(false)
  })
})

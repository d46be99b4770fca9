import { describe, expect, it } from 'vitest'
import { AccessTokenError, BoardingPassError, IssuerUnavailableError, isAccessTokenError, isBoardingPassError } from './errors.js'

describe('SDK errors', () => {
  it('share one base class with a code, a contract reason and a client-safe message', () => {
    const refused = new AccessTokenError('expired')
    expect(refused).toBeInstanceOf(BoardingPassError)
    expect(refused).toBeInstanceOf(Error)
    expect({ name: refused.name, code: refused.code, reason: refused.reason, message: refused.message }).toEqual({
      name: 'AccessTokenError',
      code: 'expired',
      reason: 'invalid_token',
      message: 'The access token has expired.',
    })
    const away = new IssuerUnavailableError()
    expect({ name: away.name, code: away.code, reason: away.reason }).toEqual({
      name: 'IssuerUnavailableError',
      code: 'issuer_unavailable',
      reason: 'store_unavailable',
    })
  })

  it('are recognised by the guards, also when they come from another copy of the package', () => {
    const fromAnotherCopy = Object.assign(new Error('x'), {
      [Symbol.for('@boarding-pass/verify:error')]: true,
      reason: 'invalid_token',
    })
    expect(isBoardingPassError(fromAnotherCopy)).toBe(true)
    expect(isAccessTokenError(fromAnotherCopy)).toBe(true)
    expect(isAccessTokenError(new IssuerUnavailableError())).toBe(false)
    expect(isBoardingPassError(new Error('plain'))).toBe(false)
    expect(isBoardingPassError(null)).toBe(false)
  })
})

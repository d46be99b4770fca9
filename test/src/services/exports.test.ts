import { describe, expect, it } from 'vitest'

/** The public surface of the two entry points other services import: a change here is a change of contract. */
describe('@boarding-pass/server entry points for other services', () => {
  it('/verify exports exactly these', async () => {
    const verify = await import('@boarding-pass/server/verify')
    expect(Object.keys(verify).sort()).toEqual([
      'ACCESS_TOKEN_ALGORITHMS',
      'AccessTokenError',
      'BoardingPassError',
      'IssuerUnavailableError',
      'createAuthenticator',
      'introspectAccessToken',
      'isAccessTokenError',
      'isBoardingPassError',
      'requireAccessToken',
      'verifyAccessToken',
    ])
    expect(verify.ACCESS_TOKEN_ALGORITHMS).toEqual(['EdDSA', 'ES256'])
  })

  it('/client exports exactly these', async () => {
    const client = await import('@boarding-pass/server/client')
    expect(Object.keys(client).sort()).toEqual(['createBoardingPassClient', 'getErrorReason'])
  })
})

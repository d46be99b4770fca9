import { describe, expect, it } from 'vitest'

/** The public surface of the packages other services import: a change here is a change of contract. */
describe('@boarding-pass/verify entry points', () => {
  it('the root exports exactly these (no tRPC)', async () => {
    const verify = await import('@boarding-pass/verify')
    expect(Object.keys(verify).sort()).toEqual([
      'ACCESS_TOKEN_ALGORITHMS',
      'AccessTokenError',
      'BoardingPassError',
      'DEFAULT_MAX_TOKEN_LIFETIME',
      'IssuerUnavailableError',
      'createAuthenticator',
      'createMemoryReplayStore',
      'introspectAccessToken',
      'isAccessTokenError',
      'isAccessTokenType',
      'isBoardingPassError',
      'verifyAccessToken',
    ])
    expect(verify.ACCESS_TOKEN_ALGORITHMS).toEqual(['EdDSA', 'ES256'])
    expect(verify.DEFAULT_MAX_TOKEN_LIFETIME).toBe(900)
  })

  it('/trpc exports exactly the middleware', async () => {
    const trpc = await import('@boarding-pass/verify/trpc')
    expect(Object.keys(trpc).sort()).toEqual(['requireAccessToken'])
  })
})

describe('@boarding-pass/server', () => {
  it('exports what running it needs, and no verifier or client', async () => {
    const server = await import('@boarding-pass/server')
    expect(Object.keys(server).sort()).toEqual([
      'SettingsError',
      'createDevProvider',
      'createLogger',
      'parseSettings',
      'startApp',
    ])
  })
})

import { describe, expect, it } from 'vitest'

/** The public surface of @boarding-pass/vue: a change here is a change of contract. */
describe('@boarding-pass/vue', () => {
  it('exports exactly these', async () => {
    const vue = await import('@boarding-pass/vue')
    expect(Object.keys(vue).sort()).toEqual([
      'PhoneSignIn',
      'SessionList',
      'SignInButtons',
      'callbackRoute',
      'createBoardingPass',
      'requireSignIn',
      'safeReturnTo',
      'useBoardingPass',
    ])
  })
})

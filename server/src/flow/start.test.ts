import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from 'openid-client'
import { describe, expect, it } from 'vitest'
import { pkceChallengeOf } from './start.js'

describe('pkceChallengeOf', () => {
  it("equals openid-client's S256 challenge", async () => {
    for (let i = 0; i < 50; i++) {
      const verifier = randomPKCECodeVerifier()
      expect(pkceChallengeOf(verifier)).toBe(await calculatePKCECodeChallenge(verifier))
    }
  })

  it("matches RFC 7636's worked example (appendix B)", () => {
    expect(pkceChallengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })
})

import { USER_CODE_ALPHABET, createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { obtainServerCode } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Brute force of codes (RFC 9700 §4.8, RFC 8628 §5.1): what an attacker
 * guesses must be too large to guess (Server Code ≥ 256 bits, flow id 128),
 * and what is small enough to guess (an 8-letter user code, ~34.6 bits) must be
 * rate-limited per address, so guessing stops long before it could succeed.
 */
describe('brute force: the codes are too large to guess', () => {
  let service: Service

  beforeAll(async () => {
    service = await startAttackedService()
  })
  afterAll(() => service?.close())

  it('Server Codes are ≥ 43 base64url characters (256 bits), all different; flow ids ≥ 22 (128 bits)', async () => {
    const issued = await Promise.all(
      Array.from({ length: 12 }, () => obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })),
    )
    for (const { serverCode, flow } of issued) {
      expect(serverCode).toMatch(/^[A-Za-z0-9_-]{43,}$/)
      expect(flow.flowId).toMatch(/^[A-Za-z0-9_-]{22,}$/)
    }
    expect(new Set(issued.map((entry) => entry.serverCode)).size).toBe(issued.length)
    expect(new Set(issued.map((entry) => entry.flow.flowId)).size).toBe(issued.length)
  })

  it('user codes are 8 letters of the 20-consonant alphabet, shown XXXX-XXXX, all different', async () => {
    const codes = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const pair = await createClientCodePair()
        const response = await callProcedure<{ userCode: string }>(service.bp.url, 'auth.start', {
          mutation: { mode: 'cross-device', clientCodeHash: pair.clientCodeHash, hashMethod: 'sha256' },
        })
        return response.body.result!.data.userCode
      }),
    )
    const letters = `[${USER_CODE_ALPHABET}]`
    for (const code of codes) expect(code).toMatch(new RegExp(`^${letters}{4}-${letters}{4}$`))
    expect(USER_CODE_ALPHABET).toHaveLength(20)
    expect(new Set(codes).size).toBe(codes.length)
  })
})

describe('brute force: guesses are rate-limited per address', () => {
  let bp: TestInstance

  beforeAll(async () => {
    // In-process store: this file's own counters, not the suite Redis's.
    bp = await startBoardingPass({ AUTH_RATE_LIMITS: 'on', AUTH_RATE_LIMIT_USER_CODE: '5/60', AUTH_RATE_LIMIT_COMPLETE: '5/60' })
  })
  afterAll(() => bp?.close())

  it('user codes on /link: after 5 wrong codes a 429 page with Retry-After, even for the right code', async () => {
    const pair = await createClientCodePair()
    const started = await callProcedure<{ userCode: string }>(bp.url, 'auth.start', {
      mutation: { mode: 'cross-device', clientCodeHash: pair.clientCodeHash, hashMethod: 'sha256' },
    })
    const rightCode = started.body.result!.data.userCode
    const wrongCodes = ['BBBB-BBBB', 'CCCC-CCCC', 'DDDD-DDDD', 'FFFF-FFFF', 'GGGG-GGGG'].filter((code) => code !== rightCode)
    for (const code of wrongCodes.slice(0, 5)) {
      const response = await fetch(`${bp.address}/link?code=${code}`)
      expect(response.status).toBe(400)
      await response.text()
    }
    const limited = await fetch(`${bp.address}/link?code=${rightCode}`)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(limited.headers.get('set-cookie')).toBeNull()
    expect(await limited.text()).not.toContain(rightCode)
  })

  it('Server Code guesses at auth.complete: after 5, rate_limited', async () => {
    for (let i = 0; i < 5; i++) {
      const guess = await callProcedure(bp.url, 'auth.complete', {
        mutation: { clientCode: 'C'.repeat(43), serverCode: `guess-${i}` },
      })
      expectRefusal(guess, 'invalid_grant')
    }
    expectRefusal(
      await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: 'C'.repeat(43), serverCode: 'guess-6' } }),
      'rate_limited',
    )
  })
})

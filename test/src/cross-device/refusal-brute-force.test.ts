import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { poll, startDevice } from './device.js'
import { Phone } from './phone.js'

describe('guessing user codes: attempts are limited per client address (AUTH_RATE_LIMIT_USER_CODE=5/60)', () => {
  // A Redis of its own: rate-limit counters are per address, and every test in the suite calls from 127.0.0.1.
  let redis: PrivateRedis
  let bp: TestInstance

  beforeAll(async () => {
    redis = await startPrivateRedis()
    bp = await startBoardingPass({
      REDIS_URL: redis.url,
      AUTH_RATE_LIMITS: 'on',
      AUTH_RATE_LIMIT_USER_CODE: '5/60',
      // Behind one trusted proxy, so the test can speak from several addresses.
      TRUST_PROXY_HOPS: '1',
    })
  })
  afterAll(async () => {
    await bp?.close()
    await redis?.kill()
  })

  it('the 6th attempt from one address gets 429 with Retry-After, even with the right code; other addresses are unaffected', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const attacker = new Phone(bp.url, { headers: { 'x-forwarded-for': '203.0.113.7' } })
    const guesses = ['BCDF-BCDF', 'CDFG-CDFG', 'DFGH-DFGH', 'FGHJ-FGHJ', 'GHJK-GHJK']
    for (const [i, guess] of guesses.entries()) {
      // POST /link and GET /link?code= count alike.
      const page = i % 2 === 0 ? await attacker.enter(guess) : await attacker.open(guess)
      expect(page.status, `attempt ${i + 1}`).toBe(400)
    }

    const sixth = await attacker.enter(device.userCode)
    expect(sixth.status).toBe(429)
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(sixth.html).toContain('Too many attempts')
    expect(sixth.token).toBeUndefined()
    expect((await attacker.open(device.userCode)).status).toBe(429)
    expect((await poll(bp.url, device.flowId)).body.result!.data.status).toBe('pending')

    const owner = new Phone(bp.url, { headers: { 'x-forwarded-for': '198.51.100.4' } })
    const confirm = await owner.open(device.userCode)
    expect(confirm.status).toBe(200)
    expect(confirm.text('link-code-shown')).toBe(device.userCode)
  })
})

import { tokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jose } from '../support/jose.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { untilSigning } from './harness/service.js'

/**
 * Issue 13 item 3: the login id is the access token's public `sid`, so any
 * limit counted on it before the presented token is checked lets anyone who
 * has seen one access token keep its owner from refreshing. Forged refreshes
 * naming the victim's `sid`, from another address, at 25 a minute (more than
 * the 20 a minute the old per-login limit allowed), then the victim refreshes.
 * Two instances on this file's own Redis (limits are counted there), behind one
 * trusted proxy hop so that attacker and victim have different addresses.
 */
describe('refresh lock-out by a public sid', () => {
  let redis: PrivateRedis
  let service: Service

  beforeAll(async () => {
    redis = await startPrivateRedis()
    service = await startService({
      instances: 2,
      env: { REDIS_URL: redis.url, AUTH_RATE_LIMITS: 'on', TRUST_PROXY_HOPS: '1' },
    })
    await Promise.all(service.instances.map((instance) => untilSigning(instance)))
  })
  afterAll(async () => {
    await service?.close()
    await redis?.kill()
  })

  const refresh = (refreshToken: string, from: string, i = 0) =>
    callProcedure(service.instances[i % 2]!.address, 'auth.refresh', {
      mutation: { refreshToken },
      headers: { 'x-forwarded-for': from },
    })

  it('25 forged refreshes naming the victim’s sid (another address, both instances): the victim still refreshes', async () => {
    const victim = await signIn(service.bp.url, { redirectUri: service.redirectUri })
    const { sid } = jose.decodeJwt(victim.accessToken) as { sid: string }
    for (let i = 0; i < 25; i++) {
      const answer = await refresh(`${sid}.${'F'.repeat(42)}${i}`, '203.0.113.66', i)
      expect(answer.status, JSON.stringify(answer.body)).not.toBe(200)
    }
    const answer = await refresh(victim.refreshToken, '198.51.100.7')
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    expect(tokenResponse.parse(answer.body.result!.data).user).toEqual(victim.user)
  })

  it('the forger is the one slowed down: past the failure limit its address is rate_limited, others are not', async () => {
    let limited = false
    for (let i = 0; i < 40 && !limited; i++) {
      // A different made-up login id each time: a per-login count would never see two of them.
      const answer = await refresh(`${String(i).padStart(22, 'L')}.${'F'.repeat(42)}${i}`, '203.0.113.99', i)
      if (answer.status === 429) limited = true
      else expectRefusal(answer, 'invalid_grant')
    }
    expect(limited, 'forged refreshes from one address were never limited').toBe(true)
    const someoneElse = await signIn(service.bp.url, { redirectUri: service.redirectUri })
    expect((await refresh(someoneElse.refreshToken, '198.51.100.8')).status).toBe(200)
  })
})

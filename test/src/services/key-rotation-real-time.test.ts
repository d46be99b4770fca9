import { verifyAccessToken } from '@boarding-pass/verify'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { callProcedure } from '../support/trpc-http.js'
import { kidOf, publishedKids, refresh, signIn, startBroker, type Broker } from './support/broker.js'
import { flushRedisDatabase, redisDatabase } from './support/redis.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` every 50 ms until it holds, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await sleep(50)
  }
}

describe('rotation on the real clock: AUTH_SIGNING_KEY_ROTATION=2, keys checked every 200 ms', () => {
  const redisUrl = redisDatabase(inject('redisUrl'), 10)
  let a: Broker
  let b: Broker

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    const env = { REDIS_URL: redisUrl, AUTH_SIGNING_KEY_ROTATION: '2', AUTH_ACCESS_TOKEN_TTL: '60' }
    a = await startBroker(env, { keyCheckIntervalMs: 200 })
    b = await startBroker({ ...env, PUBLIC_URL: a.url }, { keyCheckIntervalMs: 200 })
  })
  afterAll(async () => {
    await b?.close()
    await a?.close()
  })

  it('rotates by itself; both instances converge on one set; tokens from before and after verify everywhere', async () => {
    const first = await signIn(a)
    const k0 = kidOf(first.accessToken)

    // Within ~2 s a new key signs; by then both instances publish it.
    let latest = first
    await eventually(async () => {
      latest = await refresh(a.address, latest.refreshToken)
      return kidOf(latest.accessToken) !== k0
    }, 6_000)
    const k1 = kidOf(latest.accessToken)
    await eventually(async () => {
      const [onA, onB] = await Promise.all([publishedKids(a.address), publishedKids(b.address)])
      return onA.join() === onB.join() && onA.includes(k0) && onA.includes(k1)
    }, 3_000)

    for (const token of [first.accessToken, latest.accessToken]) {
      for (const instance of [a, b]) {
        const me = await callProcedure(instance.address, 'auth.me', { bearer: token })
        expect(me.status, `${kidOf(token)} at ${instance.address}`).toBe(200)
      }
      await expect(verifyAccessToken(token, { issuer: a.url, audience: a.url, url: b.address })).resolves.toMatchObject({
        sub: first.user.id,
      })
    }
  })
})

import { createBoardingPassClient, getErrorReason } from './support/boarding-pass-client.js'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { signIn, startBroker, type Broker } from './support/broker.js'
import { flushRedisDatabase, redisDatabase } from './support/redis.js'

describe('createBoardingPassClient: the typed tRPC client for Node services', () => {
  const redisUrl = redisDatabase(inject('redisUrl'), 15)
  let bp: Broker

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    bp = await startBroker({ REDIS_URL: redisUrl })
  })
  afterAll(() => bp?.close())

  it('calls public procedures', async () => {
    const client = createBoardingPassClient({ url: bp.url })
    await expect(client.auth.providers.query()).resolves.toEqual([{ id: 'dev', name: 'Development sign-in' }])
  })

  it('sends the token getAccessToken gives (sync or async) as a Bearer token', async () => {
    const tokens = await signIn(bp, 'Ada Lovelace')
    const sync = createBoardingPassClient({ url: bp.url, getAccessToken: () => tokens.accessToken })
    await expect(sync.auth.me.query()).resolves.toEqual(tokens.user)
    const async = createBoardingPassClient({ url: `${bp.url}/`, getAccessToken: async () => tokens.accessToken })
    await expect(async.auth.me.query()).resolves.toEqual(tokens.user)
  })

  it("rejects refusals with the contract's reason, readable with getErrorReason", async () => {
    const anonymous = createBoardingPassClient({ url: bp.url, getAccessToken: () => undefined })
    const error = await anonymous.auth.me.query().catch((e: unknown) => e)
    expect(getErrorReason(error)).toBe('invalid_token')
    const badGrant = await anonymous.auth.refresh.mutate({ refreshToken: 'nope' }).catch((e: unknown) => e)
    expect(getErrorReason(badGrant)).toBe('invalid_grant')
  })

  it('refreshes and logs out, typed end to end', async () => {
    const tokens = await signIn(bp)
    const client = createBoardingPassClient({ url: bp.url })
    const renewed = await client.auth.refresh.mutate({ refreshToken: tokens.refreshToken })
    expect(renewed.tokenType).toBe('Bearer')
    await expect(client.auth.logout.mutate({ refreshToken: renewed.refreshToken })).resolves.toEqual({ ok: true })
    await expect(client.auth.introspect.mutate({ token: renewed.accessToken })).resolves.toEqual({ active: false })
  })
})

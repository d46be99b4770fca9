import { createBoardingPassClient } from './support/boarding-pass-client.js'
import { IssuerUnavailableError, introspectAccessToken } from '@boarding-pass/verify'
import { introspectOutput } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { callProcedure } from '../support/trpc-http.js'
import { refresh, signIn, startBroker, type Broker } from './support/broker.js'
import { createClock } from './support/clock.js'
import { flushRedisDatabase, redisDatabase, startOwnRedis, type OwnRedis } from './support/redis.js'

describe('auth.introspect (RFC 7662 in spirit)', () => {
  const clock = createClock()
  const redisUrl = redisDatabase(inject('redisUrl'), 13)
  let bp: Broker

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    bp = await startBroker({ REDIS_URL: redisUrl }, { now: clock.now })
  })
  afterAll(() => bp?.close())

  const introspect = (token: unknown) => callProcedure(bp.url, 'auth.introspect', { mutation: { token } })

  it('describes a live token: its claims and its user', async () => {
    const tokens = await signIn(bp, 'Ada Lovelace')
    const response = await introspect(tokens.accessToken)
    expect(response.status).toBe(200)
    const result = introspectOutput.parse(response.body.result!.data)
    expect(result).toEqual({
      active: true,
      sub: tokens.user.id,
      sid: expect.any(String),
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
      iss: bp.url,
      aud: bp.url,
      client_id: bp.url,
      provider: 'dev',
      user: tokens.user,
    })
    // And the same through the typed client and the SDK.
    const client = createBoardingPassClient({ url: bp.url })
    await expect(client.auth.introspect.mutate({ token: tokens.accessToken })).resolves.toEqual(result)
    await expect(introspectAccessToken(tokens.accessToken, { url: bp.url })).resolves.toEqual(result)
  })

  it('answers { active: false } and nothing more for anything it would not accept', async () => {
    const tokens = await signIn(bp)
    const [header, payload, signature] = tokens.accessToken.split('.')
    const tampered = `${header}.${payload!.slice(0, -2)}${payload!.endsWith('A') ? 'BA' : 'AA'}.${signature}`
    for (const token of ['garbage', 'a.b.c', tampered, `${header}.${payload}.`]) {
      const response = await introspect(token)
      expect(response.status, token).toBe(200)
      expect(response.body.result!.data).toEqual({ active: false })
    }
  })

  it('is inactive once the login is logged out, for every token of it', async () => {
    const first = await signIn(bp)
    const second = await refresh(bp.url, first.refreshToken)
    expect((await introspect(second.accessToken)).body.result!.data).toMatchObject({ active: true })
    await callProcedure(bp.url, 'auth.logout', { mutation: { refreshToken: second.refreshToken } })
    for (const token of [first.accessToken, second.accessToken]) {
      expect((await introspect(token)).body.result!.data).toEqual({ active: false })
    }
  })

  it('is inactive once a spent refresh token is replayed (reuse detection revokes the login)', async () => {
    const first = await signIn(bp)
    const second = await refresh(bp.url, first.refreshToken)
    // Replayed by another client (a thief; the same client replaying it would be reuse just the same).
    const replay = await callProcedure(bp.url, 'auth.refresh', {
      mutation: { refreshToken: first.refreshToken },
      headers: { 'user-agent': 'another client/1.0' },
    })
    expect(replay.body.error?.data.reason).toBe('invalid_grant')
    expect((await introspect(second.accessToken)).body.result!.data).toEqual({ active: false })
  })

  it('is inactive once the token has expired', async () => {
    const tokens = await signIn(bp)
    expect((await introspect(tokens.accessToken)).body.result!.data).toMatchObject({ active: true })
    clock.advance(tokens.expiresIn + 6)
    expect((await introspect(tokens.accessToken)).body.result!.data).toEqual({ active: false })
  })

  it('refuses malformed input as invalid_request, never as invalid_token', async () => {
    for (const body of [{}, { token: '' }, { token: 42 }, { token: 'x'.repeat(5000) }]) {
      const response = await callProcedure(bp.url, 'auth.introspect', { mutation: body })
      expect(response.status, JSON.stringify(body).slice(0, 40)).toBe(400)
      expect(response.body.error?.data.reason).toBe('invalid_request')
    }
  })
})

describe('auth.introspect with the store down', () => {
  let redis: OwnRedis
  let bp: Broker

  beforeAll(async () => {
    redis = await startOwnRedis()
    bp = await startBroker({ REDIS_URL: redis.url })
  })
  afterAll(async () => {
    await bp?.close()
    await redis?.stop()
  })

  it('answers store_unavailable (503), never a false "inactive"', async () => {
    const tokens = await signIn(bp)
    await redis.stop()
    const response = await callProcedure(bp.url, 'auth.introspect', { mutation: { token: tokens.accessToken } })
    expect(response.status).toBe(503)
    expect(response.body.error?.data.reason).toBe('store_unavailable')
    const error = await introspectAccessToken(tokens.accessToken, { url: bp.url }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IssuerUnavailableError)
  })
})

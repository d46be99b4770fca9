import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { signIn } from '../support/sign-in.js'

describe('start-up: once /readyz says 200, the instance serves a login', () => {
  let bp: TestInstance

  beforeAll(async () => {
    // Not waiting for readiness in the harness: this test is about what /readyz promises.
    bp = await startBoardingPass({ REDIS_URL: inject('redisUrl'), AUTH_RATE_LIMITS: 'off' }, undefined, { waitUntilReady: false })
  })
  afterAll(() => bp?.close())

  it('/readyz 200 means the JWKS is published and auth.complete can sign tokens (no store_unavailable while the store answers)', async () => {
    const deadline = Date.now() + 5_000
    let ready = 0
    while (Date.now() < deadline && ready !== 200) {
      ready = (await fetch(`${bp.address}/readyz`)).status
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(ready).toBe(200)

    const jwks = await fetch(`${bp.address}/.well-known/jwks.json`)
    expect(jwks.status).toBe(200)
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0)
    const tokens = await signIn(bp.url, { provider: 'dev', redirectUri: `${bp.url}/callback` })
    expect(tokens.tokenType).toBe('Bearer')
  })
})

describe('start-up with Redis down: the instance comes up, and is ready only when it can serve', () => {
  let redis: PrivateRedis
  let bp: TestInstance

  beforeAll(async () => {
    redis = await startPrivateRedis()
    await redis.kill()
    bp = await startBoardingPass({ REDIS_URL: redis.url, AUTH_RATE_LIMITS: 'off' }, undefined, { waitUntilReady: false })
  })
  afterAll(async () => {
    await bp?.close()
    await redis?.stop()
  })

  it('/readyz is 503 while Redis is down; after Redis comes back, /readyz 200 means the JWKS is published', async () => {
    expect((await fetch(`${bp.address}/readyz`)).status).toBe(503)
    await redis.restart()
    const deadline = Date.now() + 10_000
    let ready = 0
    while (Date.now() < deadline && ready !== 200) {
      ready = (await fetch(`${bp.address}/readyz`)).status
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(ready).toBe(200)
    const jwks = await fetch(`${bp.address}/.well-known/jwks.json`)
    expect(jwks.status).toBe(200)
    const tokens = await signIn(bp.url, { provider: 'dev', redirectUri: `${bp.url}/callback` })
    expect(tokens.tokenType).toBe('Bearer')
  })
})

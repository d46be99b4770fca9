import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { obtainServerCode, sendCallback } from '../support/sign-in.js'
import { callProcedure, type WireResponse } from '../support/trpc-http.js'
import { untilSigning } from './harness/service.js'

/**
 * Rate limits (RFC 9700 §4.8 brute force; PROTOCOL.md `rate_limited`): past a
 * small configured limit each limited step refuses with rate_limited, HTTP 429
 * and Retry-After; the count is shared by two instances on one Redis, and a
 * client cannot reset it by claiming another address in X-Forwarded-For.
 * The Redis is this file's own: the suite's is shared by every file, and so is
 * the address every test calls from.
 */
const LIMIT = 3

function expectLimited(response: WireResponse, windowSeconds: number): void {
  expectRefusal(response, 'rate_limited')
  const wait = Number(response.headers.get('retry-after'))
  expect(Number.isInteger(wait)).toBe(true)
  expect(wait).toBeGreaterThanOrEqual(1)
  expect(wait).toBeLessThanOrEqual(windowSeconds)
}

describe('rate limits, shared across two instances on one Redis', () => {
  let redis: PrivateRedis
  let service: Service
  let at: (i: number) => string
  let made: Awaited<ReturnType<typeof obtainServerCode>>

  beforeAll(async () => {
    redis = await startPrivateRedis()
    service = await startService({
      instances: 2,
      env: {
        REDIS_URL: redis.url,
        AUTH_RATE_LIMITS: 'on',
        AUTH_RATE_LIMIT_START: `${LIMIT}/60`,
        AUTH_RATE_LIMIT_COMPLETE: `${LIMIT}/60`,
        AUTH_RATE_LIMIT_REFRESH: `${LIMIT}/60`,
        AUTH_RATE_LIMIT_CALLBACK: `${LIMIT}/60`,
      },
    })
    await Promise.all(service.instances.map((instance) => untilSigning(instance)))
    at = (i) => service.instances[i % 2]!.address
    // One real login, for a right pair to try once limited. It uses one start and one callback.
    made = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
  })
  afterAll(async () => {
    await service?.close()
    await redis?.kill()
  })

  const start = (i: number, headers?: Record<string, string>) =>
    callProcedure(at(i), 'auth.start', {
      mutation: { provider: 'acme', clientCodeHash: 'A'.repeat(43), hashMethod: 'sha256', redirectUri: service.redirectUri },
      headers,
    })
  const complete = (i: number, serverCode = 'S'.repeat(43), clientCode = 'C'.repeat(43)) =>
    callProcedure(at(i), 'auth.complete', { mutation: { clientCode, serverCode } })
  const refresh = (i: number) =>
    callProcedure(at(i), 'auth.refresh', { mutation: { refreshToken: `${'L'.repeat(22)}.${'R'.repeat(43)}` } })

  it('auth.start: the limit counts calls on both instances; then rate_limited, 429, Retry-After', async () => {
    for (let i = 1; i < LIMIT; i++) expect((await start(i)).status).toBe(200)
    expectLimited(await start(LIMIT), 60)
    expectLimited(await start(LIMIT + 1), 60)
  })

  it('auth.start: X-Forwarded-For does not buy a fresh count (no proxy is trusted by default)', async () => {
    expectLimited(await start(0, { 'x-forwarded-for': '203.0.113.7' }), 60)
    expectLimited(await start(1, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' }), 60)
  })

  it('auth.complete: brute force of Server Codes stops at the limit; past it even a right pair is refused (and not spent)', async () => {
    const { flow, serverCode } = made
    for (let i = 0; i < LIMIT; i++) expectRefusal(await complete(i), 'invalid_grant')
    expectLimited(await complete(LIMIT), 60)
    expectLimited(await complete(LIMIT + 1, serverCode, flow.pair.clientCode), 60)
  })

  it('auth.refresh: rate_limited, 429, Retry-After past the limit', async () => {
    for (let i = 0; i < LIMIT; i++) expectRefusal(await refresh(i), 'invalid_grant')
    expectLimited(await refresh(LIMIT), 60)
  })

  it('the callback: past the limit a 429 page with Retry-After, and no redirect', async () => {
    for (let i = 1; i < LIMIT; i++) expect((await sendCallback(at(i), '?state=unknown&code=x')).status).toBe(400)
    const answer = await sendCallback(at(LIMIT), '?state=unknown&code=x')
    expect(answer.status).toBe(429)
    expect(answer.headers.get('location')).toBeNull()
    expect(answer.headers.get('content-type')).toContain('text/html')
    const wait = Number(answer.headers.get('retry-after'))
    expect(wait).toBeGreaterThanOrEqual(1)
    expect(wait).toBeLessThanOrEqual(60)
  })
})

describe('rate limits: a limited caller waits out the window, and nothing it had is lost', () => {
  let redis: PrivateRedis
  let service: Service

  beforeAll(async () => {
    redis = await startPrivateRedis()
    service = await startService({
      env: { REDIS_URL: redis.url, AUTH_RATE_LIMITS: 'on', AUTH_RATE_LIMIT_COMPLETE: '2/2' },
    })
    await untilSigning(service.bp)
  })
  afterAll(async () => {
    await service?.close()
    await redis?.kill()
  })

  it('after Retry-After seconds the right pair completes', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const call = (clientCode: string, code: string) =>
      callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode, serverCode: code } })
    expectRefusal(await call('C'.repeat(43), 'S'.repeat(43)), 'invalid_grant')
    expectRefusal(await call('C'.repeat(43), 'S'.repeat(43)), 'invalid_grant')
    const limited = await call(flow.pair.clientCode, serverCode)
    expectLimited(limited, 2)
    await new Promise((resolve) => setTimeout(resolve, Number(limited.headers.get('retry-after')) * 1000 + 100))
    expect((await call(flow.pair.clientCode, serverCode)).status).toBe(200)
  })
})

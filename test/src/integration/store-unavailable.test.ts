import type { TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { freePort } from '../support/ports.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { expectRefusal } from '../support/refusal.js'
import { beginFlow, loginAtProvider, sendCallback, signIn } from '../support/sign-in.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure, type WireResponse } from '../support/trpc-http.js'

/** Calls `call` and asserts it answered within `ms` (a refusal must not hang on the store). */
async function quickly(call: () => Promise<WireResponse>, ms = 3_000): Promise<WireResponse> {
  const started = Date.now()
  const response = await call()
  expect(Date.now() - started).toBeLessThan(ms)
  return response
}

describe('store_unavailable: with its Redis gone, the service refuses honestly and fast (503), and recovers', () => {
  let redis: PrivateRedis
  let idp: ThirdPartyProvider
  let bp: TestInstance
  let tokens: TokenResponse
  let pendingCallback: URL
  let clientCodeHash: string

  beforeAll(async () => {
    redis = await startPrivateRedis()
    // A third-party provider keeps its own state (in this process), so only Boarding Pass's store goes away.
    const port = await freePort()
    idp = await startThirdPartyProvider({ redirectUris: [`http://localhost:${port}/auth/callback`] })
    bp = await startBoardingPass(
      {
        REDIS_URL: redis.url,
        AUTH_RATE_LIMITS: 'off',
        AUTH_PROVIDERS: 'acme',
        AUTH_ACME_ISSUER: idp.issuer,
        AUTH_ACME_ID: idp.clientId,
        AUTH_ACME_SECRET: idp.clientSecret,
      },
      port,
    )
    const redirectUri = `${bp.url}/callback`
    tokens = await signIn(bp.url, { redirectUri })
    const flow = await beginFlow(bp.url, { redirectUri })
    clientCodeHash = flow.pair.clientCodeHash
    pendingCallback = await loginAtProvider(flow, bp.url)
    await redis.kill()
  })
  afterAll(async () => {
    await bp?.close()
    await Promise.all([redis?.stop(), idp?.close()])
  })

  it('auth.start', async () => {
    const input = { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri: `${bp.url}/callback` }
    expectRefusal(await quickly(() => callProcedure(bp.address, 'auth.start', { mutation: input })), 'store_unavailable')
  })

  it('auth.complete: store_unavailable, not invalid_grant (the pair may well be good)', async () => {
    const input = { clientCode: 'c'.repeat(43), serverCode: 's'.repeat(43) }
    expectRefusal(await quickly(() => callProcedure(bp.address, 'auth.complete', { mutation: input })), 'store_unavailable')
  })

  it('auth.refresh: store_unavailable, not invalid_grant (a client must not sign its user out over an outage)', async () => {
    const input = { refreshToken: tokens.refreshToken }
    expectRefusal(await quickly(() => callProcedure(bp.address, 'auth.refresh', { mutation: input })), 'store_unavailable')
  })

  it('auth.me with a valid token: store_unavailable, not invalid_token', async () => {
    expectRefusal(await quickly(() => callProcedure(bp.address, 'auth.me', { bearer: tokens.accessToken })), 'store_unavailable')
  })

  it('auth.logout: refused, never a false { ok: true } for a login it could not end', async () => {
    const input = { refreshToken: tokens.refreshToken }
    expectRefusal(await quickly(() => callProcedure(bp.address, 'auth.logout', { mutation: input })), 'store_unavailable')
  })

  it('GET /auth/callback: a 503 page, not the 400 "unknown flow" page and not a redirect', async () => {
    const response = await sendCallback(bp.address, pendingCallback)
    expect(response.status).toBe(503)
    expect(response.headers.get('location')).toBeNull()
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  })

  it('auth.providers, which needs no store, still answers', async () => {
    expect((await callProcedure(bp.address, 'auth.providers')).status).toBe(200)
  })

  it('recovers by itself once Redis is back: /readyz 200 and flows start again', async () => {
    await redis.restart()
    const deadline = Date.now() + 10_000
    // Twice in a row: with WEB_CONCURRENCY=2 each worker answers /readyz for itself, and consecutive
    // connections go to either worker in turn.
    let ready = 0
    while (Date.now() < deadline && ready < 2) {
      ready = (await fetch(`${bp.address}/readyz`)).status === 200 ? ready + 1 : 0
      if (ready < 2) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(ready).toBe(2)
    const input = { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri: `${bp.url}/callback` }
    expect((await callProcedure(bp.address, 'auth.start', { mutation: input })).status).toBe(200)
  })
})

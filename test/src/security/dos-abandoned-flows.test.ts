import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { freePort } from '../support/ports.js'
import { expectNothingInternal } from '../support/refusal.js'
import { beginFlow, loginAtProvider, sendCallback, signIn } from '../support/sign-in.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure } from '../support/trpc-http.js'
import { firstBytes, rawExchange, rawRequest, statusOf } from './harness/raw-http.js'

/**
 * Denial of service by abandoned flows and by huge inputs (RFC 9700 §4.15 is
 * silent on it; it is the broker's own exposure): pending flows in the
 * in-process store are capped (AUTH_MAX_PENDING_FLOWS, least recently used
 * go first) and kept apart from logins, so a flood evicts only its own kind;
 * bodies and headers have hard limits.
 */
const MAX_PENDING = 100

describe('DoS: a flood of abandoned flows on the in-process store', () => {
  let idp: ThirdPartyProvider
  let bp: TestInstance
  let redirectUri: string
  let publicUrl: string

  beforeAll(async () => {
    const port = await freePort()
    publicUrl = `http://localhost:${port}`
    redirectUri = `${publicUrl}/callback`
    idp = await startThirdPartyProvider({ redirectUris: [`${publicUrl}/auth/callback`] })
    bp = await startBoardingPass(
      {
        AUTH_RATE_LIMITS: 'off',
        AUTH_MAX_PENDING_FLOWS: String(MAX_PENDING),
        AUTH_PROVIDERS: 'acme',
        AUTH_ACME_ISSUER: idp.issuer,
        AUTH_ACME_ID: idp.clientId,
        AUTH_ACME_SECRET: idp.clientSecret,
      },
      port,
    )
  })
  afterAll(async () => {
    await bp?.close()
    await idp?.close()
  })

  it(`past ${MAX_PENDING} pending flows the oldest is evicted, the newest works, and signed-in users are untouched`, async () => {
    const user = await signIn(bp.url, { redirectUri })
    const oldest = await beginFlow(bp.url, { redirectUri })
    const oldestCallback = await loginAtProvider(oldest, publicUrl)
    const pair = await createClientCodePair()
    for (let i = 0; i < MAX_PENDING * 2; i++) {
      const response = await callProcedure(bp.url, 'auth.start', {
        mutation: { provider: 'acme', clientCodeHash: pair.clientCodeHash, hashMethod: 'sha256', redirectUri },
      })
      expect(response.status).toBe(200)
    }
    const evicted = await sendCallback(bp.address, oldestCallback)
    expect(evicted.status, 'the oldest abandoned flow is gone').toBe(400)

    const fresh = await beginFlow(bp.url, { redirectUri })
    const back = await sendCallback(bp.address, await loginAtProvider(fresh, publicUrl))
    const serverCode = new URL(back.headers.get('location')!).searchParams.get('server_code')
    const complete = await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: fresh.pair.clientCode, serverCode } })
    expect(complete.status).toBe(200)

    expect((await callProcedure(bp.url, 'auth.me', { bearer: user.accessToken })).status).toBe(200)
    expect((await callProcedure(bp.url, 'auth.refresh', { mutation: { refreshToken: user.refreshToken } })).status).toBe(200)
  })
})

describe('DoS: huge inputs', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startBoardingPass({ AUTH_RATE_LIMITS: 'off' })
  })
  afterAll(() => bp?.close())

  const LIMIT = 16 * 1024

  it('a body over 16 KB is refused with 413 and reason invalid_request, never read to its end', async () => {
    const body = JSON.stringify({ clientCode: 'C'.repeat(43), serverCode: 'S'.repeat(LIMIT) })
    const response = await rawRequest(`${bp.address}/trpc/auth.complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(response.status).toBe(413)
    const parsed = JSON.parse(response.text) as { error: { data: { reason: string } } }
    expect(parsed.error.data.reason).toBe('invalid_request')
    expectNothingInternal(parsed)
  })

  it('a body over 16 KB sent chunked (no Content-Length) is refused as well', async () => {
    const chunk = 'x'.repeat(4096)
    const request =
      'POST /trpc/auth.complete HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
      `${Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('')}0\r\n\r\n`
    const status = statusOf(await rawExchange(bp.address, request))
    expect(status).toBeGreaterThanOrEqual(400)
    expect(status).toBeLessThan(500)
  })

  it('a 10 MB declared body is refused at once, without waiting for the body', async () => {
    const request = `POST /trpc/auth.start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n{`
    const answer = await firstBytes(bp.address, request, 3_000)
    expect(statusOf(answer), 'the server waited for a body it will refuse').toBe(413)
  })

  it('headers over 16 KB: 431, and the server carries on', async () => {
    const response = await rawExchange(
      bp.address,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\nConnection: close\r\n\r\n`,
    )
    expect(statusOf(response)).toBe(431)
    expect((await fetch(`${bp.address}/healthz`)).status).toBe(200)
  })

  it('a form over the /link limit is refused with 413', async () => {
    const response = await rawRequest(`${bp.address}/link`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `code=${'B'.repeat(8 * 1024)}`,
    })
    expect(response.status).toBe(413)
  })

  it('deeply nested JSON under the size limit is refused as invalid_request, not a crash', async () => {
    const depth = 5_000
    const body = `${'['.repeat(depth)}${']'.repeat(depth)}`
    const response = await rawRequest(`${bp.address}/trpc/auth.start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(response.status).toBe(400)
    expect((JSON.parse(response.text) as { error: { data: { reason: string } } }).error.data.reason).toBe('invalid_request')
    expect((await fetch(`${bp.address}/healthz`)).status).toBe(200)
  })
})

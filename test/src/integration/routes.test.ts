import type { AppRouter } from '@boarding-pass/server'
import { createTRPCClient, httpBatchLink } from '@trpc/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { jose } from '../support/jose.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { expectNothingInternal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

/** Members of a JWK that only a private key has (RFC 7517 §9.3, RFC 7518 §6, RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv']

describe('routes and the wire format', () => {
  let service: Service

  beforeAll(async () => {
    service = await startService()
  })
  afterAll(() => service?.close())

  it('GET /healthz → 200 { status: "ok" }', async () => {
    const response = await fetch(`${service.bp.address}/healthz`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('GET /readyz → 200 while Redis answers', async () => {
    const response = await fetch(`${service.bp.address}/readyz`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  })

  describe('/.well-known/jwks.json and the access token', () => {
    let accessToken: string
    let userId: string
    let expiresIn: number

    beforeAll(async () => {
      const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      ;({ accessToken, expiresIn } = tokens)
      userId = tokens.user.id
    })

    it('publishes the kid of an issued access token, as public keys only', async () => {
      const response = await fetch(`${service.bp.address}/.well-known/jwks.json`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const jwks = (await response.json()) as { keys: Record<string, unknown>[] }
      expect(jwks.keys.length).toBeGreaterThan(0)

      const { kid, alg } = jose.decodeProtectedHeader(accessToken)
      expect(['EdDSA', 'ES256']).toContain(alg)
      const key = jwks.keys.find((candidate) => candidate.kid === kid)
      expect(key, `kid ${kid} not in the JWKS`).toBeDefined()
      expect(['OKP', 'EC']).toContain(key!.kty)

      for (const published of jwks.keys) {
        expect(typeof published.kid).toBe('string')
        for (const member of PRIVATE_MEMBERS) expect(published, `JWKS key ${String(published.kid)}`).not.toHaveProperty(member)
      }
      expect(new Set(jwks.keys.map((published) => published.kid)).size).toBe(jwks.keys.length)
    })

    it('the access token is a JWT signed with an asymmetric key that verifies against the remote JWKS (jose createRemoteJWKSet)', async () => {
      const jwks = jose.createRemoteJWKSet(new URL(`${service.bp.address}/.well-known/jwks.json`))
      const { payload, protectedHeader } = await jose.jwtVerify(accessToken, jwks, {
        issuer: service.publicUrl,
        audience: service.publicUrl,
        algorithms: ['EdDSA', 'ES256'],
      })
      expect(['EdDSA', 'ES256']).toContain(protectedHeader.alg)
      expect(payload.iss).toBe(service.publicUrl)
      expect(payload.sub).toBe(userId)
      expect(payload.aud).toBeDefined()
      expect(typeof payload.jti).toBe('string')
      expect(payload.jti!.length).toBeGreaterThanOrEqual(16)
      expect(Number.isInteger(payload.iat)).toBe(true)
      expect(Number.isInteger(payload.exp)).toBe(true)
      expect(payload.exp! - payload.iat!).toBe(expiresIn)
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60)
    })

    it('a relying party with the JWKS refuses a token whose signature is not the service’s', async () => {
      const jwks = jose.createRemoteJWKSet(new URL(`${service.bp.address}/.well-known/jwks.json`))
      const [header, payload] = accessToken.split('.')
      const { privateKey } = await jose.generateKeyPair('EdDSA')
      const { alg, kid, typ } = jose.decodeProtectedHeader(accessToken)
      const other = await new jose.SignJWT(jose.decodeJwt(accessToken))
        .setProtectedHeader({ alg: alg!, kid, typ })
        .sign(privateKey)
      const forged = `${header}.${payload}.${other.split('.')[2]}`
      await expect(jose.jwtVerify(forged, jwks)).rejects.toBeInstanceOf(jose.errors.JWSSignatureVerificationFailed)
    })
  })

  describe('tRPC over plain HTTP (no transformer)', () => {
    it('a query is GET /trpc/<path> with no input parameter', async () => {
      const response = await fetch(`${service.bp.address}/trpc/auth.providers`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ result: { data: [{ id: 'acme', name: 'Acme ID' }] } })
    })

    it('a query with ?input=<URL-encoded JSON> is accepted', async () => {
      const response = await fetch(`${service.bp.address}/trpc/auth.providers?input=${encodeURIComponent('{}')}`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ result: { data: [{ id: 'acme', name: 'Acme ID' }] } })
    })

    it('a batch of queries: GET /trpc/a,b?batch=1&input={"0":…,"1":…} answers an array in order', async () => {
      const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const response = await fetch(
        `${service.bp.address}/trpc/auth.providers,auth.me?batch=1&input=${encodeURIComponent('{}')}`,
        {
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        },
      )
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual([
        { result: { data: [{ id: 'acme', name: 'Acme ID' }] } },
        { result: { data: tokens.user } },
      ])
    })

    it('a batch of mutations: POST /trpc/a,b?batch=1 with {"0":…,"1":…} as the body', async () => {
      const response = await fetch(`${service.bp.address}/trpc/auth.logout,auth.logout?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 0: { refreshToken: 'unknown-1' }, 1: { refreshToken: 'unknown-2' } }),
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual([{ result: { data: { ok: true } } }, { result: { data: { ok: true } } }])
    })

    it('a batch that partly fails answers 207 with each refusal in place, reason and all', async () => {
      const response = await fetch(`${service.bp.address}/trpc/auth.logout,auth.complete?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 0: { refreshToken: 'unknown' }, 1: { clientCode: 'short', serverCode: 'x' } }),
      })
      expect(response.status).toBe(207)
      const body = (await response.json()) as [unknown, { error: { data: { reason: string; code: string; httpStatus: number } } }]
      expect(body[0]).toEqual({ result: { data: { ok: true } } })
      expect(body[1].error.data).toMatchObject({ reason: 'invalid_request', code: 'BAD_REQUEST', httpStatus: 400 })
      expectNothingInternal(body)
    })

    it('tRPC’s own client with httpBatchLink (no transformer) batches calls into one request', async () => {
      let requests = 0
      const client = createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: `${service.bp.address}/trpc`,
            fetch: (input, init) => {
              requests++
              return fetch(input, init)
            },
          }),
        ],
      })
      const [first, second] = await Promise.all([client.auth.providers.query(), client.auth.providers.query()])
      expect(first).toEqual([{ id: 'acme', name: 'Acme ID' }])
      expect(second).toEqual(first)
      expect(requests).toBe(1)
    })

    it('an error answer has the {"error":…} envelope, its HTTP status, and Cache-Control: no-store', async () => {
      const response = await callProcedure(service.bp.address, 'auth.me')
      expect(response.status).toBe(401)
      expect(Object.keys(response.body)).toEqual(['error'])
      expect(response.headers.get('cache-control')).toMatch(/no-store/)
    })
  })
})

describe('GET /readyz when the store does not answer', () => {
  let redis: PrivateRedis
  let bp: TestInstance

  beforeAll(async () => {
    redis = await startPrivateRedis()
    bp = await startBoardingPass({ REDIS_URL: redis.url, AUTH_RATE_LIMITS: 'off' })
  })
  afterAll(async () => {
    await bp?.close()
    await redis?.stop()
  })

  it('is 200 while its Redis answers, 503 once that Redis is gone; /healthz stays 200', async () => {
    expect((await fetch(`${bp.address}/readyz`)).status).toBe(200)
    await redis.kill()

    const started = Date.now()
    const response = await fetch(`${bp.address}/readyz`)
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expectNothingInternal(await response.json())
    // A readiness probe must answer well within a probe's timeout, not hang on the store.
    expect(Date.now() - started).toBeLessThan(3_000)

    const health = await fetch(`${bp.address}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
  })
})

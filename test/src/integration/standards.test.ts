import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { startService, type Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

const run = promisify(execFile)

/** The Python snippet of docs/verify-from-any-language.md, exactly as published. */
const pyjwtSnippet = (() => {
  const doc = readFileSync(new URL('../../../docs/verify-from-any-language.md', import.meta.url), 'utf8')
  const match = /```python\n([\s\S]*?)```/.exec(doc)
  if (!match?.[1]) throw new Error('no python snippet in docs/verify-from-any-language.md')
  return match[1]
})()

/** `POST {url}{path}` with a form body (or `body` as given, with `type`). */
function postForm(url: string, path: string, form: Record<string, string> | string, type = 'application/x-www-form-urlencoded') {
  const body = typeof form === 'string' ? form : new URLSearchParams(form).toString()
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type }, body })
}

describe('standards: discovery, RFC 9068 tokens, RFC 7662 introspection, RFC 7009 revocation', () => {
  let service: Service
  let bp: TestInstance

  beforeAll(async () => {
    service = await startService()
    bp = service.bp
  })
  afterAll(() => service?.close())

  describe('discovery', () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      it(`GET ${path} is JSON naming the issuer, the keys and the RFC endpoints`, async () => {
        const response = await fetch(`${bp.address}${path}`)
        expect(response.status).toBe(200)
        expect(response.headers.get('content-type')).toBe('application/json')
        const document = (await response.json()) as Record<string, unknown>
        expect(document).toMatchObject({
          issuer: service.publicUrl,
          jwks_uri: `${service.publicUrl}/.well-known/jwks.json`,
          introspection_endpoint: `${service.publicUrl}/oauth/introspect`,
          revocation_endpoint: `${service.publicUrl}/oauth/revoke`,
          dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
          response_types_supported: [],
        })
        // The sign-in is the two-code flow, not RFC 6749's: no endpoint a standard client would misuse.
        expect(document).not.toHaveProperty('authorization_endpoint')
        expect(document).not.toHaveProperty('token_endpoint')
      })
    }

    it('oauth4webapi (a maintained client nobody here wrote) discovers the issuer and validates a real access token', async () => {
      const issuer = new URL(service.publicUrl)
      // The issuer is loopback http in tests; oauth4webapi asks for an explicit opt-in, which production (https) never needs.
      const insecure = { [oauth.allowInsecureRequests]: true }
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
      )
      expect(as.issuer).toBe(service.publicUrl)
      const asOidc = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
      )
      expect(asOidc.jwks_uri).toBe(as.jwks_uri)

      const tokens = await signIn(bp.url, { redirectUri: service.redirectUri })
      const request = new Request('https://api.example.test/orders', {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      })
      const claims = await oauth.validateJwtAccessToken(as, request, service.publicUrl, insecure)
      expect(claims).toMatchObject({ iss: service.publicUrl, sub: tokens.user.id, client_id: service.publicUrl })

      // And it refuses what it should: another audience.
      await expect(oauth.validateJwtAccessToken(as, request, 'https://someone-else.test', insecure)).rejects.toThrow(/aud/)
    })

    it('PyJWT (Debian python3-jwt) verifies a token from the issuer URL alone, with the published snippet', async () => {
      const tokens = await signIn(bp.url, { redirectUri: service.redirectUri })
      const { stdout } = await run('/usr/bin/python3', [
        '-c',
        pyjwtSnippet,
        service.publicUrl,
        service.publicUrl,
        tokens.accessToken,
      ])
      const claims = JSON.parse(stdout) as Record<string, string>
      expect(claims).toEqual({ sub: tokens.user.id, sid: expect.any(String), client_id: service.publicUrl })

      const [header, payload, signature] = tokens.accessToken.split('.') as [string, string, string]
      const forged = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'acme:mallory' }),
      )
      await expect(
        run('/usr/bin/python3', [
          '-c',
          pyjwtSnippet,
          service.publicUrl,
          service.publicUrl,
          `${header}.${forged.toString('base64url')}.${signature}`,
        ]),
      ).rejects.toMatchObject({ stderr: expect.stringMatching(/InvalidSignatureError/) })
    })
  })

  describe('paths that do not exist answer a JSON 404, never the app', () => {
    let withSpa: TestInstance

    beforeAll(async () => {
      // A built SPA that would answer every unknown page path with its index.html.
      const { mkdtempSync, writeFileSync } = await import('node:fs')
      const { tmpdir } = await import('node:os')
      const { join } = await import('node:path')
      const root = mkdtempSync(join(tmpdir(), 'bp-spa-'))
      writeFileSync(join(root, 'index.html'), '<!doctype html><title>SPA</title>')
      withSpa = await startBoardingPass({ WEB_ROOT: root })
    })
    afterAll(() => withSpa?.close())

    for (const path of [
      '/.well-known/nothing',
      '/.well-known/oauth-protected-resource',
      '/auth/nothing',
      '/auth',
      '/oauth/token',
      '/oauth',
      '/metrics',
      '/metrics/x',
    ]) {
      it(`GET ${path} → 404 JSON`, async () => {
        const response = await fetch(`${withSpa.address}${path}`)
        expect(response.status).toBe(404)
        expect(response.headers.get('content-type')).toBe('application/json')
        expect(await response.json()).toMatchObject({ error: 'invalid_request' })
      })
    }

    it('GET /trpc/auth.nothing → tRPC’s JSON 404', async () => {
      const response = await fetch(`${withSpa.address}/trpc/auth.nothing`)
      expect(response.status).toBe(404)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    })

    it('the SPA still answers its own page paths', async () => {
      const response = await fetch(`${withSpa.address}/signed-in`)
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('<title>SPA</title>')
    })
  })

  describe('POST /oauth/introspect (RFC 7662)', () => {
    it('a live token: active with its claims, exactly as auth.introspect judges it', async () => {
      const tokens = await signIn(bp.url, { redirectUri: service.redirectUri })
      const response = await postForm(bp.address, '/oauth/introspect', { token: tokens.accessToken })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/json')
      expect(response.headers.get('cache-control')).toBe('no-store')
      const body = (await response.json()) as Record<string, unknown>
      const twin = await callProcedure<Record<string, unknown>>(bp.address, 'auth.introspect', {
        mutation: { token: tokens.accessToken },
      })
      const judged = twin.body.result!.data
      expect(body).toEqual({
        active: true,
        sub: tokens.user.id,
        client_id: service.publicUrl,
        exp: judged.exp,
        iat: judged.iat,
        iss: service.publicUrl,
        aud: service.publicUrl,
        jti: judged.jti,
        sid: judged.sid,
        token_type: 'Bearer',
      })
      expect(judged.client_id).toBe(service.publicUrl)
    })

    it('anything it would not accept: { active: false } and nothing more', async () => {
      const tokens = await signIn(bp.url, { redirectUri: service.redirectUri })
      const [header, payload] = tokens.accessToken.split('.') as [string, string, string]
      for (const token of ['garbage', 'a.b.c', `${header}.${payload}.`, tokens.refreshToken, 'x'.repeat(5000)]) {
        const response = await postForm(bp.address, '/oauth/introspect', { token })
        expect(response.status, token.slice(0, 40)).toBe(200)
        expect(await response.json()).toEqual({ active: false })
      }
    })

    it('a token whose session was revoked at /oauth/revoke is reported inactive', async () => {
      const tokens = await signIn(bp.url, { redirectUri: service.redirectUri })
      const before = await postForm(bp.address, '/oauth/introspect', { token: tokens.accessToken })
      expect(await before.json()).toMatchObject({ active: true })

      const revoked = await postForm(bp.address, '/oauth/revoke', {
        token: tokens.refreshToken,
        token_type_hint: 'refresh_token',
      })
      expect(revoked.status).toBe(200)
      expect(revoked.headers.get('content-type')).toBe('application/json')

      const after = await postForm(bp.address, '/oauth/introspect', { token: tokens.accessToken })
      expect(await after.json()).toEqual({ active: false })
      expect((await callProcedure(bp.address, 'auth.me', { bearer: tokens.accessToken })).status).toBe(401)
      const refresh = await callProcedure(bp.address, 'auth.refresh', { mutation: { refreshToken: tokens.refreshToken } })
      expect(refresh.body.error?.data.reason).toBe('invalid_grant')
    })
  })

  describe('POST /oauth/revoke (RFC 7009)', () => {
    it('200 for a token that is unknown, malformed or already revoked (§2.2)', async () => {
      const tokens = await signIn(bp.url, { redirectUri: service.redirectUri })
      for (const token of ['garbage', `${'a'.repeat(22)}.${'b'.repeat(43)}`, tokens.refreshToken, tokens.refreshToken]) {
        const response = await postForm(bp.address, '/oauth/revoke', { token })
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({})
      }
    })

    it('an access token: 200 like any other token, whatever the hint, and nothing is revoked', async () => {
      const tokens = await signIn(bp.url, { redirectUri: service.redirectUri })
      const forms: Record<string, string>[] = [
        { token: tokens.accessToken },
        { token: tokens.accessToken, token_type_hint: 'refresh_token' },
      ]
      for (const form of forms) {
        const response = await postForm(bp.address, '/oauth/revoke', form)
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({})
      }
      expect((await callProcedure(bp.address, 'auth.me', { bearer: tokens.accessToken })).status).toBe(200)
      expect((await callProcedure(bp.address, 'auth.refresh', { mutation: { refreshToken: tokens.refreshToken } })).status).toBe(
        200,
      )
    })
  })

  describe('refusals on the RFC wire', () => {
    for (const path of ['/oauth/introspect', '/oauth/revoke']) {
      it(`${path}: JSON instead of a form → 415 invalid_request`, async () => {
        const response = await postForm(bp.address, path, JSON.stringify({ token: 'x' }), 'application/json')
        expect(response.status).toBe(415)
        expect(await response.json()).toMatchObject({ error: 'invalid_request' })
      })

      it(`${path}: no token, an empty one, or two → 400 invalid_request`, async () => {
        for (const body of ['', 'token=', 'token_type_hint=access_token', 'token=a&token=b']) {
          const response = await postForm(bp.address, path, body)
          expect(response.status, body).toBe(400)
          expect(await response.json()).toMatchObject({ error: 'invalid_request' })
        }
      })

      it(`${path}: GET → 405 with Allow: POST`, async () => {
        const response = await fetch(`${bp.address}${path}?token=x`)
        expect(response.status).toBe(405)
        expect(response.headers.get('allow')).toBe('POST')
        expect(await response.json()).toMatchObject({ error: 'invalid_request' })
      })
    }
  })
})

describe('the RFC endpoints are rate-limited like their tRPC twins', () => {
  let bp: TestInstance

  beforeAll(async () => {
    // In-process store: these counters are this instance's own, not the suite's shared Redis.
    bp = await startBoardingPass({ AUTH_RATE_LIMITS: 'on', AUTH_RATE_LIMIT_INTROSPECT: '3/60', AUTH_RATE_LIMIT_REVOKE: '2/60' })
  })
  afterAll(() => bp?.close())

  it('introspection: the HTTP and tRPC calls share one budget; then 429 with Retry-After', async () => {
    expect((await postForm(bp.address, '/oauth/introspect', { token: 'x' })).status).toBe(200)
    expect((await callProcedure(bp.address, 'auth.introspect', { mutation: { token: 'x' } })).status).toBe(200)
    expect((await postForm(bp.address, '/oauth/introspect', { token: 'x' })).status).toBe(200)
    const limited = await postForm(bp.address, '/oauth/introspect', { token: 'x' })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' })
    const twin = await callProcedure(bp.address, 'auth.introspect', { mutation: { token: 'x' } })
    expect(twin.body.error?.data.reason).toBe('rate_limited')
  })

  it('revocation: the same with auth.logout', async () => {
    expect((await postForm(bp.address, '/oauth/revoke', { token: 'x' })).status).toBe(200)
    expect(
      (await callProcedure(bp.address, 'auth.logout', { mutation: { refreshToken: `${'a'.repeat(22)}.${'b'.repeat(43)}` } }))
        .status,
    ).toBe(200)
    const limited = await postForm(bp.address, '/oauth/revoke', { token: 'x' })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
  })
})

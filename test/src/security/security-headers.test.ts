import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import type { Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback } from '../support/sign-in.js'
import { startAttackedService } from './harness/service.js'

/**
 * Security headers on every kind of response (RFC 9700 §4.16 clickjacking,
 * §4.2.4 Referrer-Policy; MIME sniffing), CORS from an exact allow-list with
 * no credentials, and no cookies from the API.
 */
const ALLOWED_ORIGIN = 'https://app.example'

describe('security headers and CORS', () => {
  let service: Service
  let webRoot: string
  let kinds: [string, () => Promise<Response>][]

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'bp-web-'))
    mkdirSync(join(webRoot, 'assets'))
    writeFileSync(
      join(webRoot, 'index.html'),
      '<!doctype html><title>app</title><script type="module" src="/assets/app.js"></script>',
    )
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")')
    service = await startAttackedService({ env: { WEB_ROOT: webRoot, AUTH_CORS_ORIGINS: ALLOWED_ORIGIN } })
    const base = service.bp.address
    const get = (path: string, init?: RequestInit) => () => fetch(`${base}${path}`, { redirect: 'manual', ...init })
    const post = (path: string, body: unknown) =>
      get(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    kinds = [
      ['tRPC query', get('/trpc/auth.providers')],
      ['tRPC mutation refusal', post('/trpc/auth.complete', {})],
      ['tRPC unknown procedure', get('/trpc/auth.nope')],
      ['tRPC batch', get(`/trpc/auth.providers,auth.providers?batch=1&input=${encodeURIComponent('{}')}`)],
      ['JWKS', get('/.well-known/jwks.json')],
      ['/healthz', get('/healthz')],
      ['/readyz', get('/readyz')],
      ['callback error page', get('/auth/callback?state=unknown')],
      ['callback wrong method', get('/auth/callback', { method: 'POST' })],
      [
        'callback redirect',
        async () => {
          const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
          return sendCallback(base, await loginAtProvider(flow, service.publicUrl))
        },
      ],
      ['/link page', get('/link')],
      ['/link wrong code', get('/link?code=BBBB-BBBB')],
      ['SPA index', get('/')],
      ['SPA deep link', get('/callback?server_code=x')],
      ['static asset', get('/assets/app.js')],
      ['404 (missing asset)', get('/assets/missing.js')],
    ]
  })
  afterAll(async () => {
    await service?.close()
    rmSync(webRoot, { recursive: true, force: true })
  })

  it('every kind of response has nosniff, Referrer-Policy no-referrer (same-origin on /link), X-Frame-Options DENY, and sets no cookie', async () => {
    for (const [kind, request] of kinds) {
      const response = await request()
      await response.arrayBuffer()
      expect(response.headers.get('x-content-type-options'), kind).toBe('nosniff')
      // The /link pages say same-origin, so that their form POSTs carry a real Origin (not `null`) for the cross-site check.
      expect(response.headers.get('referrer-policy'), kind).toBe(kind.startsWith('/link') ? 'same-origin' : 'no-referrer')
      expect(response.headers.get('x-frame-options'), kind).toBe('DENY')
      expect(response.headers.get('set-cookie'), kind).toBeNull()
      expect(response.status, kind).toBeLessThan(500)
    }
  })

  it("every HTML response has a CSP with frame-ancestors 'none' and no inline script", async () => {
    for (const [kind, request] of kinds) {
      const response = await request()
      await response.arrayBuffer()
      if (!response.headers.get('content-type')?.startsWith('text/html')) continue
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp, kind).toContain("frame-ancestors 'none'")
      expect(csp, kind).toContain("default-src 'none'")
      expect(csp, kind).not.toMatch(/script-src[^;]*'unsafe-inline'/)
      expect(csp, kind).toContain("base-uri 'none'")
    }
  })

  it('API answers (tRPC, health) are not cacheable', async () => {
    for (const [kind, request] of kinds.filter(([k]) => k.startsWith('tRPC') || k.startsWith('/'))) {
      const response = await request()
      await response.arrayBuffer()
      expect(response.headers.get('cache-control'), kind).toBe('no-store')
    }
  })

  it('no HSTS over http; HSTS when PUBLIC_URL is https', async () => {
    expect((await fetch(`${service.bp.address}/healthz`)).headers.get('strict-transport-security')).toBeNull()
    let https: TestInstance | undefined
    try {
      https = await startBoardingPass({ PUBLIC_URL: 'https://auth.example', AUTH_RATE_LIMITS: 'off' })
      const hsts = (await fetch(`${https.address}/healthz`)).headers.get('strict-transport-security') ?? ''
      expect(hsts).toMatch(/max-age=(\d+)/)
      expect(Number(/max-age=(\d+)/.exec(hsts)![1])).toBeGreaterThanOrEqual(15_552_000)
    } finally {
      await https?.close()
    }
  })

  describe('CORS', () => {
    const call = (origin: string | undefined, init: RequestInit = {}) =>
      fetch(`${service.bp.address}/trpc/auth.providers`, { ...init, headers: { ...(origin ? { origin } : {}), ...init.headers } })

    it('an allowed origin gets Access-Control-Allow-Origin (its own, never *) and no credentials', async () => {
      const response = await call(ALLOWED_ORIGIN)
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN)
      expect(response.headers.get('access-control-allow-credentials')).toBeNull()
      expect(response.headers.get('vary')).toMatch(/origin/i)
    })

    it.each([
      'https://evil.example',
      'null',
      'https://app.example.evil.example',
      'https://evil.app.example',
      'http://app.example',
      'https://APP.example',
      'https://app.example:443',
      'https://app.example/',
    ])('another origin (%s) gets no CORS headers at all', async (origin) => {
      const response = await call(origin)
      expect(response.status).toBe(200)
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
      expect(response.headers.get('access-control-allow-credentials')).toBeNull()
    })

    it('preflight from the allowed origin: 204 with methods and headers; from another: 403 without them', async () => {
      const preflight = (origin: string) =>
        call(origin, {
          method: 'OPTIONS',
          headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
        })
      const ok = await preflight(ALLOWED_ORIGIN)
      expect(ok.status).toBe(204)
      expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN)
      expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/)
      expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/i)
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull()
      const refused = await preflight('https://evil.example')
      expect(refused.status).toBe(403)
      expect(refused.headers.get('access-control-allow-origin')).toBeNull()
      expect(refused.headers.get('access-control-allow-methods')).toBeNull()
    })
  })
})

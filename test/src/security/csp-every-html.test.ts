import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { callProcedure } from '../support/trpc-http.js'
import { startDevice } from '../cross-device/device.js'
import { startDevService } from '../cross-device/service.js'
import { controlledRedis, type ControlledRedis } from './harness/redis-process.js'

/**
 * Issue 13 item 6: `/` carried the SPA's Content-Security-Policy but
 * `/index.html` served the same app without it, so an injection in the app had
 * no policy to stop it there. Every HTML answer, and every SVG (a document that
 * can carry script), must carry a policy with `default-src 'none'` and
 * `frame-ancestors 'none'`, whatever path reaches it.
 */
describe('a Content-Security-Policy on every HTML (and SVG) answer', () => {
  let bp: TestInstance
  let down: TestInstance
  let redis: ControlledRedis
  let webRoot: string

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'bp-web-'))
    mkdirSync(join(webRoot, 'assets'))
    writeFileSync(
      join(webRoot, 'index.html'),
      '<!doctype html><title>app</title><script type="module" src="/assets/app.js"></script>',
    )
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")')
    writeFileSync(join(webRoot, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    writeFileSync(join(webRoot, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    writeFileSync(join(webRoot, 'about.html'), '<!doctype html><title>about</title>')
    bp = await startDevService({ WEB_ROOT: webRoot })
    // An instance whose Redis never answers: its pages are the 503 page.
    redis = await controlledRedis()
    down = await startBoardingPass({ REDIS_URL: redis.url, WEB_ROOT: webRoot, AUTH_RATE_LIMITS: 'off' }, undefined, {
      waitUntilReady: false,
    })
  })
  afterAll(async () => {
    await bp?.close()
    await down?.close()
    await redis?.dispose()
    rmSync(webRoot, { recursive: true, force: true })
  })

  /** The development provider's login page, reached as a browser would from `auth.start`. */
  async function providerLoginPage(): Promise<Response> {
    const pair = await createClientCodePair()
    const started = await callProcedure<{ authorizationUrl: string }>(bp.url, 'auth.start', {
      mutation: {
        provider: 'dev',
        clientCodeHash: pair.clientCodeHash,
        hashMethod: pair.hashMethod,
        redirectUri: `${bp.url}/callback`,
      },
    })
    let url = started.body.result!.data.authorizationUrl
    const jar: string[] = []
    for (let hop = 0; hop < 5; hop++) {
      const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.join('; ') } })
      for (const line of response.headers.getSetCookie()) jar.push(line.split(';')[0]!)
      const location = response.headers.get('location')
      if (!location) return response
      await response.arrayBuffer()
      url = new URL(location, url).href
    }
    throw new Error('the provider never showed its login page')
  }

  function paths(): [string, () => Promise<Response>][] {
    const get = (base: string, path: string, init?: RequestInit) => () => fetch(`${base}${path}`, { redirect: 'manual', ...init })
    return [
      ['/', get(bp.url, '/')],
      ['/index.html', get(bp.url, '/index.html')],
      ['/index.html?x=1', get(bp.url, '/index.html?x=1')],
      ['HEAD /index.html', get(bp.url, '/index.html', { method: 'HEAD' })],
      ['/about.html (another HTML file)', get(bp.url, '/about.html')],
      ['an SPA route', get(bp.url, '/signed-in')],
      ['/link', get(bp.url, '/link')],
      [
        '/link?code=… (the confirmation page)',
        async () => fetch(`${bp.url}/link?code=${(await startDevice(bp.url, { provider: 'dev' })).userCode}`),
      ],
      ['/link?code= (a wrong code)', get(bp.url, '/link?code=BBBB-BBBB')],
      ['the callback’s error page', get(bp.url, '/auth/callback?state=unknown&code=x')],
      ['404 page', get(bp.url, '/assets/missing.js')],
      ['503 page', get(down.address, '/link?code=BBBB-BBBB')],
      ['/favicon.svg', get(bp.url, '/favicon.svg')],
      ['/assets/logo.svg', get(bp.url, '/assets/logo.svg')],
      ['the development provider’s login page', providerLoginPage],
    ]
  }

  it("each carries a policy with default-src 'none', frame-ancestors 'none', base-uri 'none' and no inline script", async () => {
    const missing: string[] = []
    for (const [name, request] of paths()) {
      const response = await request()
      await response.arrayBuffer()
      const type = response.headers.get('content-type') ?? ''
      expect(type, name).toMatch(/^(text\/html|image\/svg\+xml)/)
      const csp = response.headers.get('content-security-policy') ?? ''
      const ok =
        csp.includes("default-src 'none'") &&
        csp.includes("frame-ancestors 'none'") &&
        csp.includes("base-uri 'none'") &&
        !/script-src[^;]*'unsafe-inline'/.test(csp)
      if (!ok) missing.push(`${name} (${response.status}): ${csp || 'no policy'}`)
    }
    expect(missing).toEqual([])
  })

  it('the 503 page is the store-down page (so the row above tests what it says)', async () => {
    const response = await fetch(`${down.address}/link?code=BBBB-BBBB`)
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('briefly unavailable')
  })
})

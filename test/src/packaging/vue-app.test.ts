import { type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchBrowser, newContext, openPage, screenshot } from '../support/browser.js'
import { freePort } from '../support/ports.js'
import { byTestId, waitForText } from '../e2e/flow.js'
import { root, run, start, waitFor } from './support/installed.js'

/**
 * examples/vue-app and examples/orders-service as a team runs them: built and
 * started from the npm-installed tarballs (global-setup.ts), each on its own
 * origin, with the installed `boarding-pass` bin (development provider,
 * in-process store) as the login service.
 */
describe('examples/vue-app from the installed tarballs, signed in end to end in Chromium', () => {
  const { dir } = inject('installed')
  const appDir = join(dir, 'vue-app')
  const children: ChildProcess[] = []
  let browser: Browser
  let appUrl: string
  let ordersUrl: string
  let bpUrl: string

  beforeAll(async () => {
    const [bpPort, ordersPort, appPort] = [await freePort(), await freePort(), await freePort()]
    bpUrl = `http://127.0.0.1:${bpPort}`
    ordersUrl = `http://127.0.0.1:${ordersPort}`
    appUrl = `http://127.0.0.1:${appPort}`

    // The example's sources, without anything the workspace built or installed for it.
    cpSync(join(root, 'examples/vue-app'), appDir, {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    })
    const vite = join(dir, 'node_modules/.bin/vite')
    await run(vite, ['build'], {
      cwd: appDir,
      timeout: 120_000,
      env: { PATH: process.env.PATH, VITE_BOARDING_PASS_URL: bpUrl, VITE_ORDERS_URL: ordersUrl },
    })
    expect(existsSync(join(appDir, 'dist/index.html'))).toBe(true)

    const bp = startBoardingPass({ AUTH_REDIRECT_URIS: `${appUrl}/callback`, AUTH_CORS_ORIGINS: appUrl })
    const orders = start(process.execPath, [join(dir, 'orders/dist/main.js')], {
      BOARDING_PASS_URL: bpUrl,
      PORT: String(ordersPort),
      ORDERS_CORS_ORIGINS: appUrl,
    })
    const preview = start(vite, ['preview', '--host', '127.0.0.1', '--port', String(appPort), '--strictPort'], {}, appDir)
    children.push(orders.child, preview.child)
    await Promise.all([
      bp.ready,
      waitFor(`${ordersUrl}/trpc/health`, orders.child, orders.output),
      waitFor(`${appUrl}/`, preview.child, preview.output),
    ])
    browser = await launchBrowser()
  })
  /** The installed `boarding-pass` bin on `bpUrl` (development provider, in-process store) with these settings. */
  function startBoardingPass(settings: Record<string, string>) {
    const { port } = new URL(bpUrl)
    const bp = start(join(dir, 'node_modules/.bin/boarding-pass'), [], {
      PORT: port,
      HOST: '127.0.0.1',
      PUBLIC_URL: bpUrl,
      AUTH_RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      ...settings,
    })
    children.push(bp.child)
    return { ...bp, ready: waitFor(`${bpUrl}/readyz`, bp.child, bp.output) }
  }

  /** The sign-in page, asked to come back to `path`. */
  const signInFor = (path: string) => (url: URL) =>
    url.origin === appUrl && url.pathname === '/sign-in' && url.searchParams.get('returnTo') === path

  afterAll(async () => {
    await browser?.close()
    for (const child of children) child.kill('SIGTERM')
    rmSync(appDir, { recursive: true, force: true })
  })

  it('guard → sign-in → development provider → callback → orders with the token → reload keeps it → sign-out', async () => {
    const context = await newContext(browser)
    const { page, problems } = await openPage(context)
    const ordersCalls: { path: string; authorization: string | undefined; dpop: string | undefined }[] = []
    page.on('request', (request) => {
      if (request.url().startsWith(`${ordersUrl}/trpc/`) && request.method() !== 'OPTIONS') {
        const headers = request.headers()
        ordersCalls.push({ path: new URL(request.url()).pathname, authorization: headers.authorization, dpop: headers.dpop })
      }
    })

    // The guard sends a signed-out visitor to the sign-in page, keeping where they were going.
    await page.goto(`${appUrl}/orders`)
    await page.waitForURL(signInFor('/orders'))
    await page.click(byTestId('provider-dev'))
    await page.waitForURL((url) => url.href.startsWith(`${bpUrl}/`) && url.pathname.includes('/interaction/'))
    await page.fill(byTestId('dev-login-name'), 'Ada Lovelace')
    await page.click(byTestId('dev-login-submit'))

    // The callback finishes and goes back to the page asked for.
    await page.waitForURL(`${appUrl}/orders`)
    await waitForText(page, 'user-name', 'Ada Lovelace')
    await page.locator(byTestId('no-orders')).waitFor()

    // An order placed at the orders service, on its own origin, with the user's token.
    await page.fill('[data-test-id="place-order"] input[type="number"]', '2')
    const placed = page.waitForResponse((response) => response.url().startsWith(`${ordersUrl}/trpc/orders.place`))
    await page.click('[data-test-id="place-order"] button[type="submit"]')
    expect((await placed).status()).toBe(200)
    await waitForText(page, 'orders', '2 × Earl Grey tea')
    expect(ordersCalls.map((call) => call.path)).toEqual(['/trpc/orders.mine', '/trpc/orders.place', '/trpc/orders.mine'])
    // DPoP by default: the token bound to the page's key, with a fresh proof for each call.
    for (const call of ordersCalls) expect(call.authorization, call.path).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/)
    for (const call of ordersCalls) expect(call.dpop, call.path).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(new Set(ordersCalls.map((call) => call.dpop)).size).toBe(ordersCalls.length)
    await screenshot(page, 'vue-app-orders')

    // A reload keeps the session (the refresh token in sessionStorage) and the orders.
    await page.reload()
    await waitForText(page, 'user-name', 'Ada Lovelace')
    await waitForText(page, 'orders', '2 × Earl Grey tea')

    // Sign-out ends the session at Boarding Pass; the protected page sends to sign-in again.
    const logout = page.waitForResponse((response) => response.url() === `${bpUrl}/trpc/auth.logout`)
    await page.click(byTestId('sign-out'))
    expect((await logout).status()).toBe(200)
    await page.waitForURL(`${appUrl}/`)
    expect(await page.locator(byTestId('user-name')).count()).toBe(0)
    await page.goto(`${appUrl}/orders`)
    await page.waitForURL(signInFor('/orders'))
    await page.locator(byTestId('provider-dev')).waitFor()

    // The token the page used is refused at the orders service from here (no proof by the page's key), and its
    // login is over at Boarding Pass (what the service's revocation check asks).
    const authorization = ordersCalls.at(-1)!.authorization!
    const token = authorization.slice('DPoP '.length)
    expect((await fetch(`${ordersUrl}/trpc/orders.mine`, { headers: { authorization } })).status).toBe(401)
    expect((await fetch(`${ordersUrl}/trpc/orders.mine`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    await expect
      .poll(
        async () => {
          const answer = await fetch(`${bpUrl}/trpc/auth.introspect`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token }),
          })
          return ((await answer.json()) as { result?: { data?: { active?: boolean } } }).result?.data?.active
        },
        { timeout: 5_000 },
      )
      .toBe(false)

    expect(problems.errors).toEqual([])
    await context.close()
  })

  it("a Boarding Pass that does not list the app's callback in AUTH_REDIRECT_URIS refuses the sign-in: redirect_uri_not_allowed on the sign-in page", async () => {
    // The same URL, restarted with another allow-list (the app's URLs are built in).
    const running = children.find((child) => child.spawnfile.endsWith('boarding-pass'))!
    await new Promise<void>((done) => {
      running.once('exit', () => done())
      running.kill('SIGTERM')
    })
    await startBoardingPass({ AUTH_REDIRECT_URIS: `${appUrl}/elsewhere`, AUTH_CORS_ORIGINS: appUrl }).ready

    const context = await newContext(browser)
    const { page, problems } = await openPage(context)
    await page.goto(`${appUrl}/sign-in`)
    const refused = page.waitForResponse((response) => response.url() === `${bpUrl}/trpc/auth.start`)
    await page.click(byTestId('provider-dev'))
    const response = await refused
    expect(response.status()).toBe(400)
    expect(await response.json()).toMatchObject({ error: { data: { reason: 'redirect_uri_not_allowed' } } })
    await waitForText(page, 'sign-in-error', /AUTH_REDIRECT_URIS/)
    expect(new URL(page.url()).origin).toBe(appUrl)
    expect(problems.errors).toEqual([])
    await context.close()
  })
})

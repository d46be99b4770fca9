import { describe, expect, it } from 'vitest'
import { demoInChromium, openPage, screenshot } from '../support/browser.js'
import { callProcedure } from '../support/trpc-http.js'
import { byTestId, isCall, signIn, textOf } from './flow.js'

/** The server accepts a token this many seconds past its `exp` (clock tolerance). */
const SERVER_CLOCK_TOLERANCE_S = 5

describe('keeping the access token fresh, in Chromium (2 s access tokens)', () => {
  const demo = demoInChromium({ AUTH_ACCESS_TOKEN_TTL: '2' })

  it('refreshes before the token expires, and auth.me still works long after the first token died', async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    const first = await signIn(page, demo.bp.url, 'dev', 'Refresh Tester')
    expect(first.expiresIn).toBe(2)

    const waitMs = (2 + SERVER_CLOCK_TOLERANCE_S) * 1000 + 1_000
    await new Promise((resolve) => setTimeout(resolve, waitMs))
    const refreshed = Number((await textOf(page, 'pass-refresh-count')).replace('×', ''))
    expect(refreshed).toBeGreaterThanOrEqual(3)

    const stale = await callProcedure(demo.bp.url, 'auth.me', { bearer: first.accessToken })
    expect(stale.body.error?.data.reason).toBe('invalid_token')
    const me = page.waitForResponse(isCall('auth.me'))
    await page.click(byTestId('verify'))
    expect((await me).status()).toBe(200)
    await screenshot(page, 'boarding-pass-refreshed')
    expect(problems.errors).toEqual([])
  })

  it("refreshes once on invalid_token and retries, when the page's clock fell behind (timers asleep)", async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    await page.clock.install()
    await signIn(page, demo.bp.url, 'dev', 'Sleepy Laptop')
    await page.locator(byTestId('verified-at')).waitFor()

    // The page's time stops (a suspended laptop) while real time passes the token's expiry and the server's tolerance.
    await page.clock.pauseAt(await page.evaluate(() => Date.now() + 10))
    await new Promise((resolve) => setTimeout(resolve, (2 + SERVER_CLOCK_TOLERANCE_S) * 1000 + 500))
    await page.clock.resume()

    const statuses: number[] = []
    page.on('response', (response) => {
      if (isCall('auth.me')(response) || isCall('auth.refresh')(response)) statuses.push(response.status())
    })
    const retried = page.waitForResponse((response) => isCall('auth.me')(response) && response.status() === 200)
    await page.click(byTestId('verify'))
    await retried
    expect(statuses).toEqual([401, 200, 200])
    const lastRefresh = page.locator('[data-test-id=flow-step][data-action="auth.refresh"]').last()
    expect(await lastRefresh.textContent()).toContain('invalid_token')
    expect(problems.errors).toEqual([])
  })
})

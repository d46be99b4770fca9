import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { PHONE_DEVICE, demoInChromium, openPage, screenshot, type PageProblems } from '../support/browser.js'
import { callProcedure } from '../support/trpc-http.js'
import { byTestId, signIn, storageOf, textOf, waitForText } from './flow.js'

interface Device {
  context: BrowserContext
  page: Page
  problems: PageProblems
}

/**
 * Whether that access token's login is alive, as Boarding Pass judges it
 * (`auth.introspect`, the same judgement as `auth.me`): the page's tokens are
 * DPoP-bound, so Node cannot call `auth.me` with them.
 */
async function liveLogin(url: string, accessToken: string): Promise<{ active: boolean }> {
  const answer = await callProcedure<{ active: boolean }>(url, 'auth.introspect', { mutation: { token: accessToken } })
  return { active: answer.body.result?.data.active ?? false }
}

/** The devices panel's rows, as the page shows them. */
async function devicesOf(page: Page): Promise<{ name: string; current: boolean; provider: string; used: string }[]> {
  return page.locator(byTestId('device')).evaluateAll((rows) =>
    rows.map((row) => {
      const text = (id: string) => (row.querySelector(`[data-test-id="${id}"]`)?.textContent ?? '').trim()
      return {
        name: text('device-name'),
        current: row.getAttribute('data-current') === 'true',
        provider: text('device-provider'),
        used: text('device-used'),
      }
    }),
  )
}

/** The pass page's "Check with auth.me": B's next call. */
async function checkWithServer(page: Page): Promise<void> {
  await page.click(byTestId('verify'))
}

/** Other e2e files sign in as Ada Lovelace and Grace Hopper on the same Redis at the same time: these users are this file's alone. */
const RUN = Math.random().toString(36).slice(2, 8)

describe('"Signed-in devices" on the pass page, in Chromium: two browsers signed in as one user (development provider)', () => {
  const demo = demoInChromium({ REDIS_URL: inject('redisUrl') })

  async function device(options: Parameters<typeof demo.newContext>[0] = {}): Promise<Device> {
    const context = await demo.newContext(options)
    return { context, ...(await openPage(context)) }
  }

  /** A (a desktop, Chrome on Linux) and B (Safari on an iPhone), both signed in as `name` (one per test); A's list shows both. */
  async function twoDevices(name: string) {
    const a = await device()
    const b = await device(PHONE_DEVICE)
    const tokensA = await signIn(a.page, demo.bp.url, 'dev', name)
    const tokensB = await signIn(b.page, demo.bp.url, 'dev', name)
    expect(tokensB.user.id).toBe(tokensA.user.id)
    await a.page.click(byTestId('devices-reload'))
    await a.page.locator(byTestId('device')).nth(1).waitFor()
    return { a, b, tokensA, tokensB }
  }

  it('A lists both devices, itself marked; A signs B out; B’s next call fails and B lands on sign-in with a notice', async () => {
    const { a, b, tokensB } = await twoDevices(`Ada ${RUN}`)
    expect(await devicesOf(a.page)).toEqual([
      { name: 'Safari on iOS', current: false, provider: 'Development sign-in', used: 'just now' },
      { name: 'Chrome on Linux', current: true, provider: 'Development sign-in', used: 'just now' },
    ])
    expect(await textOf(a.page, 'device-this')).toBe('This device')
    // A list, and a sign-out button named after the device it signs out (the current one has none).
    await a.page
      .getByRole('list')
      .filter({ has: a.page.locator(byTestId('device')) })
      .waitFor()
    const signOutB = a.page.getByRole('button', { name: /^Sign out Safari on iOS \(Development sign-in, last used just now\)$/ })
    expect(await signOutB.count()).toBe(1)
    expect(await a.page.locator(byTestId('device-sign-out')).count()).toBe(1)
    expect(await a.page.getByRole('button', { name: 'Sign out everywhere else' }).count()).toBe(1)
    await screenshot(a.page, 'devices-two-signed-in')
    await a.page.setViewportSize({ width: 360, height: 740 })
    expect(await a.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0)
    await screenshot(a.page, 'devices-narrow')
    await a.page.setViewportSize({ width: 1280, height: 900 })

    await signOutB.click()
    await a.page.locator(byTestId('device')).nth(1).waitFor({ state: 'detached' })
    expect(await devicesOf(a.page)).toEqual([
      { name: 'Chrome on Linux', current: true, provider: 'Development sign-in', used: 'just now' },
    ])
    await waitForText(a.page, 'devices-news', 'Signed out Safari on iOS.')
    expect(await a.page.locator(byTestId('devices-news')).getAttribute('aria-live')).toBe('polite')
    expect(await textOf(a.page, 'pass-name')).toBe(`Ada ${RUN}`)
    await screenshot(a.page, 'devices-signed-out-other')

    // The server ended B's login at once: its access token is refused.
    expect(await liveLogin(demo.bp.url, tokensB.accessToken)).toEqual({ active: false })
    // B still shows its pass until it calls the server; then it is on the sign-in page, told why.
    expect(await textOf(b.page, 'pass-name')).toBe(`Ada ${RUN}`)
    await checkWithServer(b.page)
    await b.page.waitForURL(`${demo.bp.url}/`)
    await b.page.locator(`${byTestId('error')}[data-error-code="client:session_ended"]`).waitFor()
    expect(await textOf(b.page, 'error-title')).toBe('Your session has ended')
    expect(await textOf(b.page, 'error-message')).toContain('from another of your devices')
    expect((await storageOf(b.page)).session['boarding-pass:session']).toBeUndefined()
    await screenshot(b.page, 'devices-signed-out-elsewhere')

    // A is still signed in, and the server agrees.
    await checkWithServer(a.page)
    await a.page.locator(byTestId('verified-at')).waitFor()
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })

  it('"Sign out everywhere else" keeps A signed in and signs B out', async () => {
    const { a, b, tokensA, tokensB } = await twoDevices(`Grace ${RUN}`)
    await a.page.click(byTestId('devices-sign-out-others'))
    await waitForText(a.page, 'devices-news', 'Signed out 1 other device. This device is still signed in.')
    await a.page.locator(byTestId('device')).nth(1).waitFor({ state: 'detached' })
    expect((await devicesOf(a.page)).map((row) => [row.name, row.current])).toEqual([['Chrome on Linux', true]])
    expect(await a.page.getByText('Only this device is signed in.').count()).toBe(1)
    expect(await a.page.locator(byTestId('devices-sign-out-others')).count()).toBe(0)
    await screenshot(a.page, 'devices-signed-out-everywhere-else')

    expect(await liveLogin(demo.bp.url, tokensB.accessToken)).toEqual({ active: false })
    expect(await liveLogin(demo.bp.url, tokensA.accessToken)).toEqual({ active: true })
    // A: still on its pass, its calls still work, and a reload keeps it.
    await checkWithServer(a.page)
    await a.page.locator(byTestId('verified-at')).waitFor()
    await a.page.reload()
    await waitForText(a.page, 'pass-name', `Grace ${RUN}`)

    // B: its next call fails; it lands on sign-in.
    await checkWithServer(b.page)
    await b.page.waitForURL(`${demo.bp.url}/`)
    await b.page.locator(`${byTestId('error')}[data-error-code="client:session_ended"]`).waitFor()
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })
})

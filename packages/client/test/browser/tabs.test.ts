import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../../../../test/src/support/boarding-pass.js'
import { launchBrowser, newContext, openPage, type PageProblems } from '../../../../test/src/support/browser.js'
import { buildTestApp } from './serve-app.js'

const byTestId = (id: string) => `[data-test-id="${id}"]`
const isRefresh = (response: Response) => new URL(response.url()).pathname === '/trpc/auth.refresh'

describe('the multi-tab trap, in Chromium (@boarding-pass/client in a bare page)', () => {
  let bp: TestInstance
  let browser: Browser
  let context: BrowserContext
  let app: Awaited<ReturnType<typeof buildTestApp>>

  beforeAll(async () => {
    app = await buildTestApp()
    bp = await startBoardingPass({ WEB_ROOT: app.root, LOG_LEVEL: 'silent' })
    browser = await launchBrowser()
  })
  afterEach(async () => {
    await context?.close()
  })
  afterAll(async () => {
    await browser?.close()
    await bp?.close()
    app?.remove()
  })

  /** Waits until the page's client has started and says `status`. */
  async function statusOf(page: Page, status?: string): Promise<string> {
    await page.waitForFunction(() => window.bpReady !== undefined)
    await page.evaluate(() => window.bpReady)
    if (status) await page.locator(`${byTestId('status')}:text-is("${status}")`).waitFor()
    return page.locator(byTestId('status')).innerText()
  }

  /** Signs a tab in through the development provider's real login page. */
  async function signIn(page: Page, name: string): Promise<void> {
    await page.goto(`${bp.url}/`)
    await statusOf(page, 'signed-out')
    await page.evaluate(() => void window.bp.signIn('dev'))
    await page.locator(byTestId('dev-login-name')).waitFor()
    await page.fill(byTestId('dev-login-name'), name)
    await page.click(byTestId('dev-login-submit'))
    await page.waitForURL(`${bp.url}/callback`)
    expect(await statusOf(page, 'signed-in')).toBe('signed-in')
  }

  /** A new tab holding a copy of `from`'s sessionStorage, as "Duplicate tab" makes it, not yet loaded. */
  async function duplicate(from: Page, extra: Record<string, string> = {}): Promise<{ page: Page; problems: PageProblems }> {
    const copy = { ...(await from.evaluate(() => ({ ...sessionStorage }))), ...extra }
    const tab = await openPage(context)
    await tab.page.goto(`${bp.url}/blank.html`)
    await tab.page.evaluate((items) => {
      for (const [key, value] of Object.entries(items)) sessionStorage.setItem(key, value)
    }, copy)
    return tab
  }

  const me = (page: Page) => page.evaluate(() => window.bp.me().then((user) => user.name))

  it('a duplicated tab (sessionStorage copied), then both reloaded at once and both calling the API, stays signed in in both; the login still refreshes afterwards', async () => {
    context = await newContext(browser)
    const refreshes: Response[] = []
    context.on('response', (response) => {
      if (isRefresh(response)) refreshes.push(response)
    })
    const a = await openPage(context)
    await signIn(a.page, 'Duplicated Tab')
    const b = await duplicate(a.page)

    await Promise.all([a.page.goto(`${bp.url}/`), b.page.goto(`${bp.url}/`)])
    await Promise.all([statusOf(a.page), statusOf(b.page)])
    expect(await Promise.all([me(a.page), me(b.page)])).toEqual(['Duplicated Tab', 'Duplicated Tab'])

    // Twice more at the same instant, then once each: the login is alive and unrevoked.
    await Promise.all([a.page.evaluate(() => window.bp.refresh()), b.page.evaluate(() => window.bp.refresh())])
    await a.page.evaluate(() => window.bp.refresh())
    expect(await Promise.all([me(a.page), me(b.page)])).toEqual(['Duplicated Tab', 'Duplicated Tab'])
    for (const { page } of [a, b]) {
      expect(await page.locator(byTestId('status')).innerText()).toBe('signed-in')
      expect(await page.evaluate(() => window.bpEvents.filter((event) => !event.startsWith('refresh')))).toEqual([])
    }
    expect(refreshes.length).toBeGreaterThanOrEqual(2)
    expect(refreshes.map((response) => response.status()).filter((status) => status !== 200)).toEqual([])
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })

  it('two tabs of one login refreshing at the same instant, five times over: every refresh 200, both stay signed in', async () => {
    context = await newContext(browser)
    const refreshes: Response[] = []
    context.on('response', (response) => {
      if (isRefresh(response)) refreshes.push(response)
    })
    const a = await openPage(context)
    await signIn(a.page, 'Two Tabs')
    const b = await openPage(context)
    await b.page.goto(`${bp.url}/`)
    // No login of its own: it asks the other tab, and takes its live tokens without a refresh.
    expect(await statusOf(b.page, 'signed-in')).toBe('signed-in')
    expect(refreshes).toHaveLength(0)

    for (let round = 0; round < 5; round++) {
      await Promise.all([a.page.evaluate(() => window.bp.refresh()), b.page.evaluate(() => window.bp.refresh())])
    }
    expect(await Promise.all([me(a.page), me(b.page)])).toEqual(['Two Tabs', 'Two Tabs'])
    expect(refreshes.map((response) => response.status()).filter((status) => status !== 200)).toEqual([])
    // At the same instant, one tab rotates and the other adopts: fewer requests than asks.
    expect(refreshes.length).toBeLessThan(10)
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })

  it('control: without tab sync, the same duplicated tab and reloads do trip reuse detection (the test can fail)', async () => {
    context = await newContext(browser)
    const a = await openPage(context)
    await signIn(a.page, 'No Sync')
    await a.page.evaluate(() => sessionStorage.setItem('tabSync', '0'))
    const b = await duplicate(a.page)

    await Promise.all([a.page.goto(`${bp.url}/`), b.page.goto(`${bp.url}/`)])
    await Promise.all([statusOf(a.page), statusOf(b.page)])
    const events = [...(await a.page.evaluate(() => window.bpEvents)), ...(await b.page.evaluate(() => window.bpEvents))]
    expect(events).toContain('signed-out:session_ended')
  })
})

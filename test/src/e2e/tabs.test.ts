import type { Response } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { demoInChromium, openPage, screenshot } from '../support/browser.js'
import { byTestId, goToProvider, isCall, signIn, storageOf, textOf, waitForText } from './flow.js'

describe('several tabs, in Chromium', () => {
  // Access tokens live 2 s, so the tabs refresh every second or two while the test watches.
  const demo = demoInChromium({ AUTH_ACCESS_TOKEN_TTL: '2' })

  it('signs in from two tabs at once, each with its own flow and Client Code', async () => {
    const context = await demo.newContext()
    const a = await openPage(context)
    const b = await openPage(context)
    await goToProvider(a.page, demo.bp.url, 'dev')
    await goToProvider(b.page, demo.bp.url, 'dev')
    const flowsA = Object.keys((await storageOf(a.page)).session).filter((key) => key.startsWith('boarding-pass:flow:'))
    const flowsB = Object.keys((await storageOf(b.page)).session).filter((key) => key.startsWith('boarding-pass:flow:'))
    expect(flowsA).toHaveLength(1)
    expect(flowsB).toHaveLength(1)
    expect(flowsA[0]).not.toBe(flowsB[0])

    const completedA = a.page.waitForResponse(isCall('auth.complete'))
    const completedB = b.page.waitForResponse(isCall('auth.complete'))
    await a.page.fill(byTestId('dev-login-name'), 'Tab Alpha')
    await b.page.fill(byTestId('dev-login-name'), 'Tab Bravo')
    await Promise.all([a.page.click(byTestId('dev-login-submit')), b.page.click(byTestId('dev-login-submit'))])
    expect((await completedA).status()).toBe(200)
    expect((await completedB).status()).toBe(200)

    await waitForText(a.page, 'pass-name', 'Tab Alpha')
    await waitForText(b.page, 'pass-name', 'Tab Bravo')
    await screenshot(a.page, 'two-tabs-alpha')
    await screenshot(b.page, 'two-tabs-bravo')
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })

  it('a new tab joins the login; tabs sharing it refresh one at a time (Web Locks) without tripping reuse detection; sign-out reaches both', async () => {
    const context = await demo.newContext()
    const a = await openPage(context)
    const refreshes: Response[] = []
    context.on('response', (response) => {
      if (isCall('auth.refresh')(response)) refreshes.push(response)
    })
    await signIn(a.page, demo.bp.url, 'dev', 'Shared Login')

    const b = await openPage(context)
    await b.page.goto(`${demo.bp.url}/`)
    // No login of its own: it asks the other tabs, adopts theirs, and shows the pass.
    await b.page.waitForURL(`${demo.bp.url}/pass`)
    await waitForText(b.page, 'pass-name', 'Shared Login')

    // Both tabs' timers fire every ~1.6 s for 7 s: the lock lets one rotate, the other adopts.
    await new Promise((resolve) => setTimeout(resolve, 7_000))
    expect(refreshes.length).toBeGreaterThanOrEqual(3)
    expect(refreshes.map((response) => response.status()).filter((status) => status !== 200)).toEqual([])
    for (const { page } of [a, b]) {
      const me = page.waitForResponse(isCall('auth.me'))
      await page.click(byTestId('verify'))
      expect((await me).status()).toBe(200)
      expect(await textOf(page, 'auth-status')).toBe('Signed in as Shared Login')
    }
    const keyA = (await storageOf(a.page)).session['boarding-pass:session']
    const keyB = (await storageOf(b.page)).session['boarding-pass:session']
    expect(JSON.parse(keyA!).sessionKey).toBe(JSON.parse(keyB!).sessionKey)

    await b.page.click(byTestId('sign-out'))
    await b.page.waitForURL(`${demo.bp.url}/`)
    await a.page.waitForURL(`${demo.bp.url}/`)
    expect(await textOf(a.page, 'notice')).toBe('You signed out in another tab.')
    await screenshot(a.page, 'signed-out-in-another-tab')
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })
})

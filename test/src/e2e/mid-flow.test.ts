import type { Route } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { demoInChromium, openPage, screenshot } from '../support/browser.js'
import { byTestId, goToProvider, isCall, loginAtProvider, storageOf, textOf, waitForText } from './flow.js'

describe('reloading and going back in the middle of a flow, in Chromium', () => {
  const demo = demoInChromium()

  it("survives a reload on the provider's page, Back to the app, and Forward again: the first flow still finishes", async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    await goToProvider(page, demo.bp.url, 'dev')
    const { session } = await storageOf(page)
    const [flowKey] = Object.keys(session).filter((key) => key.startsWith('boarding-pass:flow:'))
    expect(flowKey).toBeDefined()

    await page.reload()
    await page.locator(byTestId('dev-login-name')).waitFor()

    await page.goBack()
    await page.waitForURL(`${demo.bp.url}/`)
    // The sign-in page is live again, not stuck "taking you there".
    await waitForText(page, 'auth-status', 'Not signed in')
    expect(await page.locator(byTestId('provider-dev')).isEnabled()).toBe(true)
    await screenshot(page, 'back-from-provider')

    await page.goForward()
    await page.locator(byTestId('dev-login-name')).waitFor()
    const completed = page.waitForResponse(isCall('auth.complete'))
    await loginAtProvider(page, 'Annie Easley')
    expect((await completed).status()).toBe(200)
    await waitForText(page, 'pass-name', 'Annie Easley')
    expect((await storageOf(page)).session[flowKey!]).toBeUndefined()
    expect(problems.errors).toEqual([])
  })

  it('says the sign-in was interrupted when /callback is reloaded while the codes are being redeemed; "Try again" finishes it', async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    await goToProvider(page, demo.bp.url, 'dev')

    // Hold auth.complete in the browser, so the reload lands while it is in flight.
    const held: Route[] = []
    await page.route('**/trpc/auth.complete', (route) => (held.length === 0 ? void held.push(route) : route.continue()))
    await loginAtProvider(page, 'Evelyn Boyd')
    await page.waitForURL(`${demo.bp.url}/callback`)
    await page.locator(byTestId('callback-progress')).waitFor()
    expect(held).toHaveLength(1)
    expect(page.url()).toBe(`${demo.bp.url}/callback`)
    await screenshot(page, 'callback-completing')

    await page.reload()
    await held[0]!.abort().catch(() => undefined) // its page is gone; the request never reached the server
    await page.locator(byTestId('error')).waitFor()
    expect(await page.locator(byTestId('error')).getAttribute('data-error-code')).toBe('client:interrupted')
    expect(await textOf(page, 'error-title')).toBe('The sign-in was interrupted')
    await screenshot(page, 'error-interrupted')

    // The provider still knows the user, so "Try again" comes straight back signed in.
    const completed = page.waitForResponse(isCall('auth.complete'))
    await page.click(byTestId('error-retry'))
    expect((await completed).status()).toBe(200)
    await waitForText(page, 'pass-name', 'Evelyn Boyd')
    expect(problems.errors).toEqual([])
  })

  it('a reload on /callback after signing in lands on the boarding pass, still signed in', async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    await goToProvider(page, demo.bp.url, 'dev')
    await loginAtProvider(page, 'Christine Darden')
    await waitForText(page, 'pass-name', 'Christine Darden')
    await page.goto(`${demo.bp.url}/callback`)
    await page.waitForURL(`${demo.bp.url}/pass`)
    await waitForText(page, 'pass-name', 'Christine Darden')
    expect(problems.errors).toEqual([])
  })
})

import { describe, expect, inject, it } from 'vitest'
import { PHONE, demoInChromium, openPage, screenshot } from '../support/browser.js'
import { callProcedure } from '../support/trpc-http.js'
import { byTestId, goToProvider, isCall, loginAtProvider, signIn, storageOf, textOf, waitForText } from './flow.js'

describe('signing in with the development provider, in Chromium', () => {
  const demo = demoInChromium({ REDIS_URL: inject('redisUrl') })

  it('signs in: sign-in page, provider login, callback, boarding pass; codes off the URL, no token in storage', async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    const response = await page.goto(`${demo.bp.url}/`)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")
    await page.locator(byTestId('provider-dev')).waitFor()
    expect(await textOf(page, 'provider-list')).toContain('Development sign-in')
    expect(await page.title()).toBe('Sign in · Boarding Pass')
    await screenshot(page, 'sign-in')

    await goToProvider(page, demo.bp.url, 'dev')
    await screenshot(page, 'dev-provider-login')

    const callbackUrls: string[] = []
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame() && frame.url().includes('/callback')) callbackUrls.push(frame.url())
    })
    const completed = page.waitForResponse(isCall('auth.complete'))
    await loginAtProvider(page, 'Ada Lovelace')
    const complete = await completed
    expect(complete.status()).toBe(200)
    const tokens = ((await complete.json()) as { result: { data: { accessToken: string; refreshToken: string } } }).result.data

    await page.waitForURL(`${demo.bp.url}/pass`)
    await waitForText(page, 'pass-name', 'Ada Lovelace')
    expect(await textOf(page, 'pass-provider')).toBe('Development sign-in')
    expect(await textOf(page, 'pass-user-id')).toBe('dev:ada-lovelace')
    expect(await textOf(page, 'pass-initials')).toBe('AL')
    expect(await textOf(page, 'pass-countdown')).toMatch(/^1[45]:\d\d ?at /)
    expect(await textOf(page, 'auth-status')).toBe('Signed in as Ada Lovelace')
    await page.locator(byTestId('verified-at')).waitFor()

    // The browser arrived with the codes; the page kept neither in the address bar nor in history.
    expect(callbackUrls[0]).toMatch(/\/callback\?server_code=[^&]+&flow=/)
    expect(page.url()).toBe(`${demo.bp.url}/pass`)
    expect(await page.evaluate(() => JSON.stringify(history.state))).not.toContain('server_code')
    const { session, local } = await storageOf(page)
    expect(local).toEqual({})
    expect(JSON.stringify(session)).not.toContain(tokens.accessToken)
    expect(Object.keys(session).filter((key) => key.startsWith('boarding-pass:flow:'))).toEqual([])

    // The inspector showed every step, with the codes masked.
    const steps = await page
      .locator(byTestId('flow-step'))
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-action')))
    expect(steps).toEqual([
      'createClientCodePair()',
      'auth.start',
      'location.assign',
      'GET /callback',
      'auth.complete',
      'auth.me',
    ])
    const inspector = await textOf(page, 'flow-inspector')
    expect(inspector).not.toContain(tokens.accessToken)
    expect(inspector).not.toContain(tokens.refreshToken)
    expect(inspector).toMatch(/clientCode ?[A-Za-z0-9_-]{4}•••/)
    expect(inspector).toMatch(/serverCode ?[A-Za-z0-9_-]{4}•••/)
    await screenshot(page, 'boarding-pass')

    // The token works at a protected procedure from the page; from outside it is refused (bound to the page's
    // DPoP key), though Boarding Pass says whose live login it is.
    const me = page.waitForResponse(isCall('auth.me'))
    await page.click(byTestId('verify'))
    expect((await me).status()).toBe(200)
    const outside = await callProcedure(demo.bp.url, 'auth.me', { bearer: tokens.accessToken })
    expect(outside.body.error?.data.reason).toBe('invalid_token')
    const judged = await callProcedure<{ active: boolean; user: unknown }>(demo.bp.url, 'auth.introspect', {
      mutation: { token: tokens.accessToken },
    })
    expect(judged.body.result?.data).toMatchObject({ active: true, user: { id: 'dev:ada-lovelace', name: 'Ada Lovelace' } })

    // A reload keeps the login (refresh token in sessionStorage, new access token in memory).
    await page.reload()
    await waitForText(page, 'pass-name', 'Ada Lovelace')
    expect(await textOf(page, 'pass-refresh-count')).toBe('1×')
    expect(problems.errors).toEqual([])
  })

  it('signs out: back to the sign-in page; auth.me refuses the old access token and the refresh token is dead', async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    const tokens = await signIn(page, demo.bp.url, 'dev', 'Grace Hopper')
    const refreshToken = (JSON.parse((await storageOf(page)).session['boarding-pass:session']!) as { refreshToken: string })
      .refreshToken

    const loggedOut = page.waitForResponse(isCall('auth.logout'))
    await page.click(byTestId('sign-out'))
    expect((await loggedOut).status()).toBe(200)
    await page.waitForURL(`${demo.bp.url}/`)
    await waitForText(page, 'auth-status', 'Not signed in')
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1')
    expect((await storageOf(page)).session['boarding-pass:session']).toBeUndefined()
    await screenshot(page, 'signed-out')

    const me = await callProcedure<{ active: boolean }>(demo.bp.url, 'auth.introspect', {
      mutation: { token: tokens.accessToken },
    })
    expect(me.body.result?.data).toEqual({ active: false })
    const refresh = await callProcedure(demo.bp.url, 'auth.refresh', { mutation: { refreshToken } })
    expect(refresh.body.error?.data.reason).toBe('invalid_grant')

    // The pass page is closed to a signed-out tab.
    await page.goto(`${demo.bp.url}/pass`)
    await page.waitForURL(`${demo.bp.url}/`)
    expect(problems.errors).toEqual([])
  })

  it('shows access_denied when the user clicks Deny, and "Try again" leads back to a working sign-in', async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    await goToProvider(page, demo.bp.url, 'dev')
    await page.click('[data-test-id=dev-login-deny]')

    await page.locator(byTestId('error')).waitFor()
    expect(page.url()).toBe(`${demo.bp.url}/callback`)
    expect(await page.locator(byTestId('error')).getAttribute('data-error-code')).toBe('callback:access_denied')
    expect(await textOf(page, 'error-title')).toBe('Sign-in was declined')
    expect(await textOf(page, 'error-message')).toContain('nothing was shared')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-test-id'))).toBe('error-title')
    await screenshot(page, 'error-access-denied')

    await page.click(byTestId('error-retry'))
    await page.waitForURL(/\/dev-idp\/interaction\//)
    const completed = page.waitForResponse(isCall('auth.complete'))
    await loginAtProvider(page, 'Second Try')
    expect((await completed).status()).toBe(200)
    await waitForText(page, 'pass-name', 'Second Try')
    expect(problems.errors).toEqual([])
  })

  it('works at phone width (375×812), in dark mode, keyboard only', async () => {
    // Dark, too: both colour schemes get looked at.
    const context = await demo.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, colorScheme: 'dark' })
    const { page, problems } = await openPage(context)
    await page.goto(`${demo.bp.url}/`)
    await page.locator(byTestId('provider-dev')).waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await screenshot(page, 'phone-sign-in')

    // Keyboard: the skip link first, then the provider button, activated with Enter.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content')
    await page.keyboard.press('Enter')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-test-id'))).toBe('provider-dev')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/dev-idp\/interaction\//)
    await page.fill(byTestId('dev-login-name'), 'Mary Jackson')
    await page.keyboard.press('Enter')
    await page.waitForURL(`${demo.bp.url}/pass`)
    await waitForText(page, 'pass-name', 'Mary Jackson')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await screenshot(page, 'phone-boarding-pass')

    expect(problems.errors).toEqual([])
  })

  it('shows an error at phone width', async () => {
    // A fresh context: the provider would otherwise remember the last user and not ask again.
    const context = await demo.newContext({ viewport: PHONE, isMobile: true, hasTouch: true })
    const { page, problems } = await openPage(context)
    await goToProvider(page, demo.bp.url, 'dev')
    await page.click('[data-test-id=dev-login-deny]')
    await page.locator(byTestId('error')).waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await screenshot(page, 'phone-error')
    expect(problems.errors).toEqual([])
  })
})

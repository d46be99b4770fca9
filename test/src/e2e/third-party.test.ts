import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { WEB_ROOT, launchBrowser, newContext, openPage, screenshot } from '../support/browser.js'
import { startService, type Service } from '../support/service.js'
import type { ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure } from '../support/trpc-http.js'
import { byTestId, goToProvider, isCall, loginAtProvider, textOf, tokensFrom, waitForText } from './flow.js'

describe('signing in through a separate OpenID provider, in Chromium', () => {
  let service: Service
  let idp: ThirdPartyProvider
  let bp: TestInstance
  let browser: Browser
  let context: BrowserContext

  beforeAll(async () => {
    service = await startService({ env: { WEB_ROOT } })
    ;({ idp, bp } = service)
    browser = await launchBrowser()
  })
  afterEach(async () => {
    await context?.close()
  })
  afterAll(async () => {
    await browser?.close()
    await service?.close()
  })

  it('lists the configured provider and signs in at it (another origin), back to the boarding pass', async () => {
    context = await newContext(browser)
    const { page, problems } = await openPage(context)
    await page.goto(`${bp.url}/`)
    await page.locator(byTestId('provider-acme')).waitFor()
    expect(
      await page
        .locator('[data-test-id^=provider-]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-test-id'))),
    ).toEqual(['provider-list', 'provider-acme'])
    await screenshot(page, 'third-party-sign-in')

    await goToProvider(page, bp.url, 'acme')
    expect(new URL(page.url()).origin).toBe(new URL(idp.issuer).origin)
    await screenshot(page, 'third-party-provider-login')
    const completed = page.waitForResponse(isCall('auth.complete'))
    await loginAtProvider(page, 'Dorothy Vaughan')
    const tokens = await tokensFrom(await completed)
    expect(tokens.user).toMatchObject({ id: 'acme:dorothy-vaughan', provider: 'acme', name: 'Dorothy Vaughan' })

    await page.waitForURL(`${bp.url}/pass`)
    await waitForText(page, 'pass-name', 'Dorothy Vaughan')
    expect(await textOf(page, 'pass-provider')).toBe('Acme ID')
    await page.locator(byTestId('verified-at')).waitFor()
    await screenshot(page, 'third-party-boarding-pass')

    // The page's token is DPoP-bound: Boarding Pass says whose live login it is (auth.introspect; auth.me needs a proof).
    const me = await callProcedure<{ active: boolean; user: unknown }>(bp.url, 'auth.introspect', {
      mutation: { token: tokens.accessToken },
    })
    expect(me.body.result?.data).toMatchObject({ active: true, user: tokens.user })
    expect(problems.errors).toEqual([])
  })
})

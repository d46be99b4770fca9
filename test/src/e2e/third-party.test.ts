import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { WEB_ROOT, launchBrowser, newContext, openPage, screenshot } from '../support/browser.js'
import { freePort } from '../support/ports.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure } from '../support/trpc-http.js'
import { byTestId, goToProvider, isCall, loginAtProvider, textOf, tokensFrom, waitForText } from './flow.js'

describe('signing in through a separate OpenID provider, in Chromium', () => {
  let idp: ThirdPartyProvider
  let bp: TestInstance
  let browser: Browser
  let context: BrowserContext

  beforeAll(async () => {
    const port = await freePort()
    idp = await startThirdPartyProvider({ redirectUris: [`http://localhost:${port}/auth/callback`] })
    bp = await startBoardingPass(
      {
        WEB_ROOT,
        REDIS_URL: inject('redisUrl'),
        AUTH_PROVIDERS: 'acme',
        AUTH_ACME_ISSUER: idp.issuer,
        AUTH_ACME_ID: idp.clientId,
        AUTH_ACME_SECRET: idp.clientSecret,
        AUTH_ACME_NAME: 'Acme ID',
      },
      port,
    )
    browser = await launchBrowser()
  })
  afterEach(async () => {
    await context?.close()
  })
  afterAll(async () => {
    await browser?.close()
    await bp?.close()
    await idp?.close()
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

    const me = await callProcedure(bp.url, 'auth.me', { bearer: tokens.accessToken })
    expect(me.body.result?.data).toEqual(tokens.user)
    expect(problems.errors).toEqual([])
  })
})

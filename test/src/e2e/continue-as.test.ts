import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { Phone } from '../cross-device/phone.js'
import { demoInChromium, openPage, screenshot, type PageProblems } from '../support/browser.js'
import {
  byTestId,
  isCall,
  startCrossDevice,
  storageOf,
  textOf,
  tokensFrom,
  waitForCrossDevicePhase,
  waitForText,
  type WireTokens,
} from './flow.js'

/**
 * Whether that access token's login is alive and whose it is, as Boarding Pass
 * judges it (`auth.introspect`, the same judgement as `auth.me`): the page's
 * tokens are DPoP-bound, so Node cannot call `auth.me` with them.
 */
async function liveLogin(url: string, accessToken: string): Promise<{ active: boolean; name?: string }> {
  const response = await fetch(`${url}/trpc/auth.introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: accessToken }),
  })
  const body = (await response.json()) as { result?: { data: { active: boolean; user?: { name?: string } } } }
  const data = body.result?.data
  return data?.active ? { active: true, name: data.user?.name } : { active: false }
}

/** Nothing of a login kept in this tab: no session, no device flow. */
async function keptLogin(page: Page): Promise<string[]> {
  return Object.keys((await storageOf(page)).session).filter(
    (key) => key === 'boarding-pass:session' || key.startsWith('boarding-pass:device-flow:'),
  )
}

/**
 * The TV takeover (issue 13 item 8): someone who sees the code on the waiting
 * screen approves it with their own account. The screen is Chromium; the
 * "phone" is another person's browser over real HTTP (`Phone`), signing in as
 * someone else at the development provider.
 */
describe('"Continue as …?" on the waiting device, in Chromium (the TV takeover; development provider)', () => {
  const demo = demoInChromium({ REDIS_URL: inject('redisUrl') })

  async function tv(): Promise<{ page: Page; problems: PageProblems }> {
    const context = await demo.newContext()
    return openPage(context)
  }

  /** The TV shows a code; `name` approves it from their phone; the TV redeems it and asks. Returns the tokens it holds. */
  async function approvedAs(page: Page, name: string): Promise<WireTokens> {
    const code = await startCrossDevice(page, demo.bp.url)
    const completed = page.waitForResponse(isCall('auth.complete'))
    await new Phone(demo.bp.url).approve(code.userCode, { name, provider: 'dev' })
    const tokens = await tokensFrom(await completed)
    await page.locator(byTestId('cross-device-confirm')).waitFor()
    return tokens
  }

  it('someone else approves: the TV asks "Continue as mallory@…?", No signs that session out (invalid_token) and keeps nothing', async () => {
    const { page, problems } = await tv()
    const tokens = await approvedAs(page, 'Mallory')
    expect(tokens.user.name).toBe('Mallory')

    expect(await textOf(page, 'cross-device-confirm-who')).toBe(
      'Your phone signed this device in as Mallory (mallory@example.test) with Development sign-in.',
    )
    expect(await textOf(page, 'cross-device-confirm-question')).toBe('Continue as mallory@example.test?')
    // Two answers, equally prominent (same size and style), nothing else to press in the panel.
    const continueBox = await page.locator(byTestId('cross-device-continue')).boundingBox()
    const refuseBox = await page.locator(byTestId('cross-device-refuse')).boundingBox()
    expect(Math.round(continueBox!.height)).toBe(Math.round(refuseBox!.height))
    expect(Math.abs(continueBox!.width - refuseBox!.width)).toBeLessThan(2)
    expect(await page.locator(byTestId('cross-device-refuse')).getAttribute('class')).toBe(
      await page.locator(byTestId('cross-device-continue')).getAttribute('class'),
    )
    expect(await page.locator(byTestId('cross-device-cancel')).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'No, this isn’t me' }).count()).toBe(1)
    // Not kept while it asks: not signed in, nothing stored, though the server would still accept the token.
    expect(await textOf(page, 'auth-status')).toBe('Not signed in')
    expect(await keptLogin(page)).toEqual([])
    expect(await liveLogin(demo.bp.url, tokens.accessToken)).toEqual({ active: true, name: 'Mallory' })
    await screenshot(page, 'continue-as-asking')
    // On a small phone nothing sticks out, and the two answers are still the same size.
    await page.setViewportSize({ width: 360, height: 740 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0)
    const narrow = await Promise.all(
      ['cross-device-continue', 'cross-device-refuse'].map((id) => page.locator(byTestId(id)).boundingBox()),
    )
    expect(Math.round(narrow[0]!.width)).toBe(Math.round(narrow[1]!.width))
    await screenshot(page, 'continue-as-asking-narrow')
    await page.setViewportSize({ width: 1280, height: 900 })

    const logout = page.waitForResponse(isCall('auth.logout'))
    await page.click(byTestId('cross-device-refuse'))
    expect((await logout).status()).toBe(200)
    await page.locator(`${byTestId('error')}[data-error-code="client:cross_device_refused"]`).waitFor()
    expect(await textOf(page, 'error-title')).toBe('Not kept: that account was signed out on this device')
    expect(await textOf(page, 'error-retry')).toBe('Start again')
    expect(await liveLogin(demo.bp.url, tokens.accessToken)).toEqual({ active: false })
    expect(await textOf(page, 'auth-status')).toBe('Not signed in')
    expect(await keptLogin(page)).toEqual([])
    expect(new URL(page.url()).pathname).toBe('/')
    await screenshot(page, 'continue-as-refused')

    // "Start again" shows a new code; a reload afterwards restores nothing.
    await page.click(byTestId('error-retry'))
    await waitForCrossDevicePhase(page, 'waiting')
    await page.reload()
    await waitForCrossDevicePhase(page, 'waiting')
    expect(await textOf(page, 'auth-status')).toBe('Not signed in')
    expect(problems.errors).toEqual([])
  })

  it('the owner approves: Continue keeps the login, the pass page shows it, and its token works', async () => {
    const { page, problems } = await tv()
    const tokens = await approvedAs(page, 'Sam Owner')
    expect(await textOf(page, 'cross-device-confirm-question')).toBe('Continue as sam-owner@example.test?')
    await page.click(byTestId('cross-device-continue'))
    await page.waitForURL(`${demo.bp.url}/pass`)
    await waitForText(page, 'pass-name', 'Sam Owner')
    expect(await textOf(page, 'auth-status')).toBe('Signed in as Sam Owner')
    expect(JSON.parse((await storageOf(page)).session['boarding-pass:session']!)).toMatchObject({
      refreshToken: tokens.refreshToken,
    })
    expect(await liveLogin(demo.bp.url, tokens.accessToken)).toEqual({ active: true, name: 'Sam Owner' })
    expect(problems.errors).toEqual([])
  })

  it('a reload before the answer drops that login: nothing restored, and the server ends it', async () => {
    const { page, problems } = await tv()
    const tokens = await approvedAs(page, 'Trudy')
    await page.reload()
    await page.locator(byTestId('provider-dev')).waitFor()
    expect(await textOf(page, 'auth-status')).toBe('Not signed in')
    expect(await page.locator(byTestId('cross-device-confirm')).count()).toBe(0)
    expect(await keptLogin(page)).toEqual([])
    // The page asked the server to end it on the way out (a keepalive auth.logout).
    const deadline = Date.now() + 5_000
    let me = await liveLogin(demo.bp.url, tokens.accessToken)
    while (me.active && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      me = await liveLogin(demo.bp.url, tokens.accessToken)
    }
    expect(me).toEqual({ active: false })
    expect(problems.errors).toEqual([])
  })

  it('when the sign-out fails (no connection), nothing is kept anyway and the notice says so', async () => {
    const { page, problems } = await tv()
    await page.route('**/trpc/auth.logout', (route) => route.abort('connectionreset'))
    await approvedAs(page, 'Victor')
    await page.click(byTestId('cross-device-refuse'))
    await page.locator(`${byTestId('error')}[data-error-code="client:cross_device_refused"]`).waitFor()
    expect(await textOf(page, 'error-message')).toContain('could not be told to end that account’s session (network)')
    expect(await textOf(page, 'auth-status')).toBe('Not signed in')
    expect(await keptLogin(page)).toEqual([])
    expect(problems.errors.filter((error) => !error.includes('net::ERR_CONNECTION_RESET'))).toEqual([])
  })
})

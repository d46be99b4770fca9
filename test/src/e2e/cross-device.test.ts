import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { PHONE_DEVICE, WEB_ROOT, launchBrowser, newContext, openPage, screenshot, type PageProblems } from '../support/browser.js'
import { startService, type Service } from '../support/service.js'
import type { ThirdPartyProvider } from '../support/third-party-provider.js'
import {
  byTestId,
  continueAs,
  isCall,
  readCrossDeviceCode,
  startCrossDevice,
  storageOf,
  textOf,
  tokensFrom,
  waitForCrossDevicePhase,
  waitForText,
  type CrossDeviceCode,
} from './flow.js'

/** The steps the flow inspector shows for a cross-device sign-in, in order. */
const CROSS_DEVICE_STEPS = [
  'createClientCodePair()',
  'auth.start',
  'auth.watch',
  'status: opened',
  'status: approved',
  'auth.complete',
  'confirm(user)',
  'auth.me',
]

interface Device {
  context: BrowserContext
  page: Page
  problems: PageProblems
}

/**
 * Two devices in one browser, each its own context (cookies, storage): a
 * desktop (device A) and a phone (device B, an iPhone-sized touch screen with
 * Safari's User-Agent).
 */
function devices(browser: () => Browser) {
  const open: BrowserContext[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((context) => context.close()))
  })
  async function device(options: Parameters<typeof newContext>[1] = {}): Promise<Device> {
    const context = await newContext(browser(), options)
    open.push(context)
    return { context, ...(await openPage(context)) }
  }
  return { desktop: () => device(), phone: () => device(PHONE_DEVICE), device }
}

/** The phone opens the link the desktop shows and checks it is asked about the same code and device. */
async function openOnPhone(phone: Page, code: CrossDeviceCode): Promise<void> {
  await phone.goto(code.link)
  expect(await textOf(phone, 'link-code-shown')).toBe(code.userCode)
  expect(await textOf(phone, 'link-device')).toBe(code.deviceName)
}

async function inspectorSteps(page: Page): Promise<(string | null)[]> {
  return page.locator(byTestId('flow-step')).evaluateAll((items) => items.map((item) => item.getAttribute('data-action')))
}

describe('sign in with your phone, in Chromium: a desktop and a phone (development provider)', () => {
  let bp: TestInstance
  let browser: Browser
  const { desktop, phone, device } = devices(() => browser)

  beforeAll(async () => {
    bp = await startBoardingPass({ WEB_ROOT, REDIS_URL: inject('redisUrl') })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await bp?.close()
  })

  it('the desktop shows a QR code and a code, the phone approves, and the desktop signs itself in', async () => {
    const a = await desktop()
    const b = await phone()
    await a.page.goto(`${bp.url}/`)
    await a.page.locator(byTestId('provider-dev')).waitFor()
    await screenshot(a.page, 'cross-device-desktop-sign-in')

    const code = await startCrossDevice(a.page, bp.url)
    // The panel took focus, so a screen reader starts there.
    expect(await a.page.evaluate(() => document.activeElement?.id)).toBe('phone-title')
    expect(code.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    expect(code.link).toBe(`${bp.url}/link?code=${code.userCode}`)
    expect(await textOf(a.page, 'cross-device-link')).toBe(code.link)
    expect(await textOf(a.page, 'cross-device-uri')).toBe(`${new URL(bp.url).host}/link`)
    expect(code.deviceName).toBe('Chrome on Linux')
    const qr = a.page.locator(byTestId('cross-device-qr'))
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    expect(await qr.getAttribute('alt')).toContain(code.link)
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth > 0 && img.complete)).toBe(true)
    expect(await textOf(a.page, 'cross-device-countdown')).toMatch(/^[45]:\d\d$/)
    await a.page.locator(`${byTestId('cross-device-status')}[data-transport="stream"]`).waitFor()
    expect(await textOf(a.page, 'cross-device-status-text')).toBe('Waiting for your phone…')
    expect(await textOf(a.page, 'cross-device-transport')).toBe('Live')
    const stored = await storageOf(a.page)
    expect(Object.keys(stored.session).filter((key) => key.startsWith('boarding-pass:device-flow:'))).toHaveLength(1)
    await screenshot(a.page, 'cross-device-desktop-waiting')

    await openOnPhone(b.page, code)
    expect(await textOf(b.page, 'link-started-on')).toBe('Chrome on Linux')
    await screenshot(b.page, 'cross-device-phone-confirm')
    await waitForCrossDevicePhase(a.page, 'opened')
    await waitForText(a.page, 'cross-device-status-text', /^Opened on your phone\./)
    await screenshot(a.page, 'cross-device-desktop-opened')

    await b.page.click(byTestId('link-continue'))
    await b.page.locator(byTestId('dev-login-name')).waitFor()
    await screenshot(b.page, 'cross-device-phone-provider')
    await b.page.fill(byTestId('dev-login-name'), 'Ada Lovelace')
    const completed = a.page.waitForResponse(isCall('auth.complete'))
    const submittedAt = performance.now()
    await b.page.click(byTestId('dev-login-submit'))
    // "Continue as …?" before anything is kept (issue 13 item 8): who, with which provider.
    await a.page.locator(byTestId('cross-device-confirm')).waitFor()
    const elapsed = performance.now() - submittedAt
    process.stdout.write(
      `cross-device: provider submit on the phone → "Continue as …?" on the desktop in ${elapsed.toFixed(0)} ms\n`,
    )
    expect(elapsed).toBeLessThan(5_000)
    expect(await textOf(a.page, 'cross-device-confirm-who')).toBe(
      'Your phone signed this device in as Ada Lovelace (ada-lovelace@example.test) with Development sign-in.',
    )
    expect(await a.page.evaluate(() => document.activeElement?.getAttribute('data-test-id'))).toBe(
      'cross-device-confirm-question',
    )
    expect(await textOf(a.page, 'auth-status')).toBe('Not signed in')
    expect(Object.keys((await storageOf(a.page)).session)).not.toContain('boarding-pass:session')
    await screenshot(a.page, 'cross-device-desktop-continue-as')
    expect(await continueAs(a.page)).toBe('Continue as ada-lovelace@example.test?')
    await a.page.waitForURL(`${bp.url}/pass`)
    await waitForText(a.page, 'pass-name', 'Ada Lovelace')

    await b.page.locator(byTestId('link-done')).waitFor()
    await screenshot(b.page, 'cross-device-phone-done')

    const tokens = await tokensFrom(await completed)
    expect(tokens.user).toMatchObject({ id: 'dev:ada-lovelace', name: 'Ada Lovelace', provider: 'dev' })
    expect(await textOf(a.page, 'pass-provider')).toBe('Development sign-in')
    expect(await textOf(a.page, 'auth-status')).toBe('Signed in as Ada Lovelace')
    await a.page.locator(byTestId('verified-at')).waitFor()
    expect(await inspectorSteps(a.page)).toEqual(CROSS_DEVICE_STEPS)
    const inspector = await textOf(a.page, 'flow-inspector')
    expect(inspector).toMatch(/serverCode ?[A-Za-z0-9_-]{4}•••/)
    expect(inspector).not.toContain(tokens.accessToken)
    // The same login as a redirect sign-in: refresh token in sessionStorage, no Client Code left, nothing in localStorage.
    const { session, local } = await storageOf(a.page)
    expect(local).toEqual({})
    expect(Object.keys(session).filter((key) => key.includes('flow:'))).toEqual([])
    expect(JSON.parse(session['boarding-pass:session']!)).toMatchObject({ refreshToken: tokens.refreshToken })
    expect(JSON.stringify(session)).not.toContain(tokens.accessToken)
    await screenshot(a.page, 'cross-device-desktop-signed-in')

    // The phone got nothing to sign in with: no token, no Server Code in what it was shown or stored.
    const phoneStorage = await storageOf(b.page)
    expect(JSON.stringify(phoneStorage)).not.toContain(tokens.refreshToken)
    expect(await b.page.content()).not.toContain(tokens.accessToken)
    expect((await b.context.cookies()).map((cookie) => cookie.value).join(' ')).not.toContain(tokens.refreshToken)

    // A reload keeps the login, as after a redirect sign-in.
    await a.page.reload()
    await waitForText(a.page, 'pass-name', 'Ada Lovelace')
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })

  it('the phone declines: the desktop says so, and "start again" shows a new code', async () => {
    const a = await desktop()
    const b = await phone()
    const first = await startCrossDevice(a.page, bp.url)
    await openOnPhone(b.page, first)
    await b.page.click(byTestId('link-decline'))
    await b.page.getByRole('heading', { name: 'Declined' }).waitFor()
    await screenshot(b.page, 'cross-device-phone-declined')

    await a.page
      .locator(`${byTestId('cross-device')} ${byTestId('error')}[data-error-code="client:cross_device_denied"]`)
      .waitFor()
    expect(await textOf(a.page, 'error-title')).toBe('Declined on your phone')
    expect(await textOf(a.page, 'error-retry')).toBe('Start again')
    expect(await a.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Declined on your phone')
    expect(await textOf(a.page, 'auth-status')).toBe('Not signed in')
    await screenshot(a.page, 'cross-device-desktop-denied')

    await a.page.click(byTestId('error-retry'))
    await waitForCrossDevicePhase(a.page, 'waiting')
    const second = await readCrossDeviceCode(a.page)
    expect(second.userCode).not.toBe(first.userCode)
    expect(second.link).toBe(`${bp.url}/link?code=${second.userCode}`)

    // "Sign in on this device" goes back to the providers.
    await a.page.click(byTestId('cross-device-cancel'))
    await a.page.locator(byTestId('provider-dev')).waitFor()
    expect(await a.page.evaluate(() => document.activeElement?.getAttribute('data-test-id'))).toBe('cross-device-start')
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })

  it('a reload while waiting shows the same code and still signs in; on a 360 px screen nothing overflows', async () => {
    const a = await device({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })
    const b = await phone()
    const code = await startCrossDevice(a.page, bp.url)
    // Nothing sticks out, at any width from a small phone to a desktop (the code least of all).
    for (const width of [360, 480, 700, 900, 1000, 1280, 360]) {
      await a.page.setViewportSize({ width, height: 740 })
      const overflow = await a.page.evaluate(() => {
        const code = document.querySelector('.phone__code')!
        const column = code.parentElement!.getBoundingClientRect()
        const box = code.getBoundingClientRect()
        return {
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          code: code.scrollWidth - code.clientWidth,
          column: Math.max(0, Math.round(box.right - column.right)),
        }
      })
      expect(overflow, `at ${width} px`).toEqual({ page: 0, code: 0, column: 0 })
    }
    await screenshot(a.page, 'cross-device-narrow-waiting')

    await a.page.reload()
    await waitForCrossDevicePhase(a.page, 'waiting')
    expect(await readCrossDeviceCode(a.page)).toEqual(code)

    await openOnPhone(b.page, code)
    await b.page.click(byTestId('link-continue'))
    await b.page.fill(byTestId('dev-login-name'), 'Grace Hopper')
    await b.page.click(byTestId('dev-login-submit'))
    expect(await continueAs(a.page)).toBe('Continue as grace-hopper@example.test?')
    await waitForText(a.page, 'pass-name', 'Grace Hopper')
    expect(await inspectorSteps(a.page)).toEqual([
      'createClientCodePair()',
      'auth.start',
      'auth.watch',
      'sessionStorage',
      'auth.watch',
      'status: opened',
      'status: approved',
      'auth.complete',
      'confirm(user)',
      'auth.me',
    ])
    expect(a.problems.errors).toEqual([])
  })

  it('without the event stream (blocked on the way), the desktop polls auth.poll and still signs in (dark scheme)', async () => {
    const a = await device({ colorScheme: 'dark' })
    const b = await phone()
    await a.page.route('**/trpc/auth.watch**', (route) => route.abort('connectionreset'))
    const code = await startCrossDevice(a.page, bp.url)
    await a.page.locator(`${byTestId('cross-device-status')}[data-transport="poll"]`).waitFor()
    expect(await textOf(a.page, 'cross-device-status-text')).toBe('Waiting for your phone…')
    expect(await textOf(a.page, 'cross-device-transport')).toBe('Checking every 2 s')
    await screenshot(a.page, 'cross-device-desktop-dark-polling')

    await openOnPhone(b.page, code)
    await waitForCrossDevicePhase(a.page, 'opened')
    await b.page.click(byTestId('link-continue'))
    await b.page.fill(byTestId('dev-login-name'), 'Annie Easley')
    await b.page.click(byTestId('dev-login-submit'))
    await continueAs(a.page)
    await waitForText(a.page, 'pass-name', 'Annie Easley')
    const steps = await inspectorSteps(a.page)
    expect(steps.slice(0, 4)).toEqual(['createClientCodePair()', 'auth.start', 'auth.watch', 'auth.poll'])
    expect(steps.slice(-3)).toEqual(['auth.complete', 'confirm(user)', 'auth.me'])
    // The blocked stream shows as failed requests; nothing else may have gone wrong.
    expect(a.problems.errors.filter((error) => !error.includes('net::ERR_CONNECTION_RESET'))).toEqual([])
  })
})

describe('sign in with your phone when codes expire after 3 seconds, in Chromium', () => {
  let bp: TestInstance
  let browser: Browser
  const { desktop, phone } = devices(() => browser)

  beforeAll(async () => {
    bp = await startBoardingPass({ WEB_ROOT, REDIS_URL: inject('redisUrl'), AUTH_CROSS_DEVICE_TTL: '3' })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await bp?.close()
  })

  it('the desktop says the code expired and offers to start again; the phone is told the code expired', async () => {
    const a = await desktop()
    const b = await phone()
    const code = await startCrossDevice(a.page, bp.url)
    expect(await textOf(a.page, 'cross-device-countdown')).toMatch(/^0:0[0-3]$/)

    await a.page.locator(`${byTestId('error')}[data-error-code="client:cross_device_expired"]`).waitFor({ timeout: 8_000 })
    expect(await textOf(a.page, 'error-title')).toBe('The code expired')
    expect(Object.keys((await storageOf(a.page)).session).filter((key) => key.startsWith('boarding-pass:device-flow:'))).toEqual(
      [],
    )
    await screenshot(a.page, 'cross-device-desktop-expired')

    const late = await b.page.goto(code.link)
    expect(late?.status()).toBe(400)
    await b.page.getByRole('heading', { name: 'This sign-in has expired' }).waitFor()
    await screenshot(b.page, 'cross-device-phone-expired')

    await a.page.click(byTestId('error-retry'))
    await waitForCrossDevicePhase(a.page, 'waiting')
    expect((await readCrossDeviceCode(a.page)).userCode).not.toBe(code.userCode)
    expect(a.problems.errors).toEqual([])
  })
})

describe('sign in with your phone through a separate OpenID provider, in Chromium', () => {
  let service: Service
  let idp: ThirdPartyProvider
  let bp: TestInstance
  let browser: Browser
  const { desktop, phone } = devices(() => browser)

  beforeAll(async () => {
    service = await startService({ env: { WEB_ROOT } })
    ;({ idp, bp } = service)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await service?.close()
  })

  it('the phone signs in at the other provider (another origin); the desktop gets the boarding pass', async () => {
    const a = await desktop()
    const b = await phone()
    const code = await startCrossDevice(a.page, bp.url)
    await openOnPhone(b.page, code)
    expect(await b.page.getByLabel('Acme ID').isChecked()).toBe(true)
    await screenshot(b.page, 'cross-device-third-party-phone-confirm')

    await b.page.click(byTestId('link-continue'))
    await b.page.locator(byTestId('dev-login-name')).waitFor()
    expect(new URL(b.page.url()).origin).toBe(new URL(idp.issuer).origin)
    await screenshot(b.page, 'cross-device-third-party-phone-provider')
    await b.page.fill(byTestId('dev-login-name'), 'Dorothy Vaughan')
    const submittedAt = performance.now()
    await b.page.click(byTestId('dev-login-submit'))
    expect(await textOf(a.page, 'cross-device-confirm-who')).toBe(
      'Your phone signed this device in as Dorothy Vaughan (dorothy-vaughan@example.test) with Acme ID.',
    )
    await continueAs(a.page)
    await waitForText(a.page, 'pass-name', 'Dorothy Vaughan')
    process.stdout.write(
      `cross-device (third-party provider): provider submit on the phone → boarding pass on the desktop (with Continue) in ${(performance.now() - submittedAt).toFixed(0)} ms\n`,
    )
    expect(await textOf(a.page, 'pass-provider')).toBe('Acme ID')
    expect(await textOf(a.page, 'pass-user-id')).toBe('acme:dorothy-vaughan')
    await b.page.locator(byTestId('link-done')).waitFor()
    await a.page.locator(byTestId('verified-at')).waitFor()
    expect(await inspectorSteps(a.page)).toEqual(CROSS_DEVICE_STEPS)
    await screenshot(a.page, 'cross-device-third-party-signed-in')
    expect(a.problems.errors).toEqual([])
    expect(b.problems.errors).toEqual([])
  })
})

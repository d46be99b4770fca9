import type { Page, Response } from 'playwright-core'

/** A `[data-test-id=…]` selector. */
export const byTestId = (id: string) => `[data-test-id="${id}"]`

/** The trimmed text of the element with that test id, once it is there. */
export async function textOf(page: Page, id: string): Promise<string> {
  const element = page.locator(byTestId(id)).first()
  await element.waitFor()
  return ((await element.textContent()) ?? '').replace(/\s+/g, ' ').trim()
}

/** Waits until the element with that test id has exactly `text`. */
export async function waitForText(page: Page, id: string, text: string | RegExp): Promise<void> {
  await page.waitForFunction(
    ({ selector, source, flags }) => {
      const value = (document.querySelector(selector)?.textContent ?? '').replace(/\s+/g, ' ').trim()
      return new RegExp(source, flags).test(value)
    },
    {
      selector: byTestId(id),
      source: typeof text === 'string' ? `^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : text.source,
      flags: typeof text === 'string' ? '' : text.flags,
    },
  )
}

/** The tokens an `auth.complete` or `auth.refresh` answered with, as the page received them. */
export interface WireTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  user: { id: string; name?: string; provider: string }
}

export async function tokensFrom(response: Response): Promise<WireTokens> {
  const body = (await response.json()) as { result: { data: WireTokens } }
  return body.result.data
}

/** True for the response of procedure `path` (e.g. `auth.complete`). */
export const isCall = (path: string) => (response: Response) => new URL(response.url()).pathname === `/trpc/${path}`

/** Starts a sign-in from the app's sign-in page and waits for the provider's login form. */
export async function goToProvider(page: Page, baseUrl: string, provider: string): Promise<void> {
  if (!page.url().startsWith(`${baseUrl}/`) || new URL(page.url()).pathname !== '/') await page.goto(`${baseUrl}/`)
  await page.click(byTestId(`provider-${provider}`))
  await page.waitForURL(/\/interaction\//)
  await page.locator(byTestId('dev-login-name')).waitFor()
}

/** Fills the provider's login form (the development provider's, which the test provider shares) and submits it. */
export async function loginAtProvider(page: Page, name: string): Promise<void> {
  await page.fill(byTestId('dev-login-name'), name)
  await page.click(byTestId('dev-login-submit'))
}

/**
 * The whole sign-in from the app's page to the boarding pass; returns the
 * tokens `auth.complete` gave the page (the test plays an attacker-free observer).
 */
export async function signIn(page: Page, baseUrl: string, provider: string, name: string): Promise<WireTokens> {
  await goToProvider(page, baseUrl, provider)
  const completed = page.waitForResponse(isCall('auth.complete'))
  await loginAtProvider(page, name)
  const tokens = await tokensFrom(await completed)
  await page.waitForURL(`${baseUrl}/pass`)
  await waitForText(page, 'pass-name', name)
  return tokens
}

/** This tab's sessionStorage and localStorage, as text. */
export async function storageOf(page: Page): Promise<{ session: Record<string, string>; local: Record<string, string> }> {
  return page.evaluate(() => ({ session: { ...sessionStorage }, local: { ...localStorage } }))
}

/** What the desktop's "Sign in with your phone" panel shows. */
export interface CrossDeviceCode {
  userCode: string
  /** `verificationUriComplete`, from the visible link beside the QR code. */
  link: string
  /** The `deviceName` the page sent. */
  deviceName: string
}

/** On the app's sign-in page: "Sign in with your phone", then reads the code, the link and the device name off the panel. */
export async function startCrossDevice(page: Page, baseUrl: string): Promise<CrossDeviceCode> {
  if (new URL(page.url()).pathname !== '/' || !page.url().startsWith(baseUrl)) await page.goto(`${baseUrl}/`)
  await page.click(byTestId('cross-device-start'))
  return readCrossDeviceCode(page)
}

/** Reads the code, link and device name the phone panel shows (once it shows them). */
export async function readCrossDeviceCode(page: Page): Promise<CrossDeviceCode> {
  const userCode = await textOf(page, 'cross-device-user-code')
  const link = (await page.locator(byTestId('cross-device-link')).getAttribute('href')) ?? ''
  return { userCode, link, deviceName: await textOf(page, 'cross-device-device-name') }
}

/** Waits until the phone panel's live status is in `phase` (`waiting`, `opened`, …). */
export async function waitForCrossDevicePhase(page: Page, phase: string): Promise<void> {
  await page.locator(`${byTestId('cross-device')}[data-phase="${phase}"]`).waitFor()
}

/**
 * After the phone approved: the desktop asks "Continue as …?" (nothing kept
 * yet); answers Continue and waits for the boarding pass. Returns who it asked about.
 */
export async function continueAs(page: Page): Promise<string> {
  await page.locator(byTestId('cross-device-confirm')).waitFor()
  const question = await textOf(page, 'cross-device-confirm-question')
  await page.click(byTestId('cross-device-continue'))
  return question
}

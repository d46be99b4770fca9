import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { startBoardingPass, type TestInstance } from './boarding-pass.js'

/** Debian's Chromium (playwright-core downloads no browser here). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Headless, quiet, and with nothing that phones home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

const here = dirname(fileURLToPath(import.meta.url))

/** The built SPA the server serves in end-to-end tests (`pnpm build` makes it). */
export const WEB_ROOT = join(here, '../../../web/dist')

/** Where screenshots go (gitignored). */
export const SCREENSHOTS = join(here, '../../artifacts/screenshots')

/** A phone's viewport, for the narrow-screen screenshots. */
export const PHONE = { width: 375, height: 812 }

/** What a page reported that a test should fail on: script errors, and the CSP refusing something. */
export interface PageProblems {
  errors: string[]
}

/**
 * Starts headless Chromium. `launch` gives the browser a throw-away profile of
 * its own, and every test takes a fresh context from it (`newContext`), so no
 * cookie, storage or cache crosses from one test to the next.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}

/** A fresh, isolated browser context (its own cookies and storage). */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options })
  context.setDefaultTimeout(15_000)
  return context
}

/**
 * Opens a page that records console errors, uncaught exceptions and CSP
 * violations (Chromium reports those as console errors), for `expect(problems.errors).toEqual([])`.
 */
export async function openPage(context: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage()
  return { page, problems: watchPage(page) }
}

/** Records a page's console errors and uncaught exceptions. */
export function watchPage(page: Page): PageProblems {
  const problems: PageProblems = { errors: [] }
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    const text = message.text()
    const url = message.location().url
    // A refused API call (401 from auth.me after a sign-out, say) is logged by the browser as a failed resource; that is
    // the test's subject, not a page fault. Nor is the favicon.ico the providers' plain pages do not have.
    if (/Failed to load resource: the server responded with a status of (400|401)/.test(text)) return
    if (url.endsWith('/favicon.ico')) return
    problems.errors.push(url ? `${text} (${url})` : text)
  })
  page.on('pageerror', (error) => problems.errors.push(`uncaught: ${error.message}`))
  return problems
}

/** Saves a full-page screenshot as `test/artifacts/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  // Let fonts, layout and the first countdown tick settle.
  await page.evaluate(() => document.fonts.ready)
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' })
}

/** Safari on an iPhone 15, as iOS 17 reports it. */
export const IPHONE_SAFARI_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

/** A phone for `newContext`: an iPhone-sized touch screen with Safari's User-Agent (Chromium underneath). */
export const PHONE_DEVICE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  userAgent: IPHONE_SAFARI_UA,
}

/**
 * The built demo served by one Boarding Pass instance, and headless Chromium,
 * for the tests of a `describe` block: both started before its first test and
 * stopped after its last; every context a test opens (`newContext`) is closed
 * after that test, so nothing crosses from one test to the next.
 *
 * @example
 * ```ts
 * const demo = demoInChromium({ AUTH_ACCESS_TOKEN_TTL: '2' })
 * it('signs in', async () => {
 *   const context = await demo.newContext()
 *   const { page } = await openPage(context)
 *   await page.goto(demo.bp.url)
 * })
 * ```
 */
export function demoInChromium(env: Record<string, string | undefined> = {}): {
  readonly bp: TestInstance
  readonly browser: Browser
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>
} {
  let bp: TestInstance | undefined
  let browser: Browser | undefined
  const open: BrowserContext[] = []
  beforeAll(async () => {
    bp = await startBoardingPass({ WEB_ROOT, ...env })
    browser = await launchBrowser()
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((context) => context.close()))
  })
  afterAll(async () => {
    await browser?.close()
    await bp?.close()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('demoInChromium: used before its beforeAll ran')
    return value
  }
  return {
    get bp() {
      return started(bp)
    },
    get browser() {
      return started(browser)
    },
    async newContext(options) {
      const context = await newContext(started(browser), options)
      open.push(context)
      return context
    },
  }
}

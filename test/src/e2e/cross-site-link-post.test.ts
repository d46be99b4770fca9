import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { launchBrowser, newContext } from '../support/browser.js'
import { startDevice } from '../cross-device/device.js'
import { Phone } from '../cross-device/phone.js'
import { watch } from '../cross-device/watch.js'

/**
 * Issue 13 item 2 in a real browser: cookie tossing plus a cross-site
 * auto-submitted form. The attacker's page runs on the broker's host at another
 * port (http://localhost:<evil>: the same *site*, as a sibling sub-domain would
 * be), so its script can set a `bp_link` cookie that Chromium then sends to the
 * broker, SameSite=Strict or not. It plants the token of the attacker's own flow
 * and auto-submits Continue. Before the fix the victim's browser was sent to the
 * provider for the attacker's flow; now the broker answers 403 and nothing changes.
 */
describe('in Chromium: a tossed cookie and an auto-submitted cross-site Continue change nothing', () => {
  let bp: TestInstance
  let browser: Browser
  let evil: Server
  let evilOrigin: string
  let evilPage = ''
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    bp = await startBoardingPass({ REDIS_URL: inject('redisUrl'), AUTH_RATE_LIMITS: 'off' })
    browser = await launchBrowser()
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(evilPage)
    })
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
    evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`
  })
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()))
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => evil?.close(resolve))
    await bp?.close()
  })

  async function statusOf(flowId: string): Promise<string> {
    const watcher = await watch(bp.url, flowId)
    const first = await watcher.waitFor((event) => event.event === 'message')
    watcher.close()
    return (JSON.parse(first.data) as { status: string }).status
  }

  it('the victim opens the attacker’s page: it plants the cookie and submits Continue; the broker answers 403 and the flow stays open', async () => {
    const device = await startDevice(bp.url, { provider: 'dev', deviceName: 'Living room TV' })
    const token = (await new Phone(bp.url).open(device.userCode)).token!
    evilPage = `<!doctype html><title>Win a prize</title>
<form method="post" action="${bp.url}/link/answer">
  <input type="hidden" name="token" value="${token}"><input type="hidden" name="action" value="continue">
</form>
<script>document.cookie = 'bp_link=${token}; path=/link'; document.forms[0].submit()</script>`

    const context = await newContext(browser)
    contexts.push(context)
    const page = await context.newPage()
    const answers: { url: string; status: number; location?: string }[] = []
    page.on('response', (response) => {
      if (response.url().startsWith(bp.url)) {
        answers.push({ url: response.url(), status: response.status(), location: response.headers().location })
      }
    })
    await page.goto(evilOrigin)
    await page.waitForURL(`${bp.url}/link/answer`)
    await page.getByRole('heading', { name: 'This request came from another site' }).waitFor()

    // The cookie really was planted (so only the Origin check stopped it).
    expect((await context.cookies(`${bp.url}/link/answer`)).find((cookie) => cookie.name === 'bp_link')?.value).toBe(token)
    expect(answers).toEqual([{ url: `${bp.url}/link/answer`, status: 403, location: undefined }])
    expect(await statusOf(device.flowId)).toBe('opened')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { startDevice, type StartedDevice } from '../cross-device/device.js'
import { Phone, type Page } from '../cross-device/phone.js'
import { startDevService } from '../cross-device/service.js'
import { watch } from '../cross-device/watch.js'
import { inject } from 'vitest'

/**
 * Issue 13 item 2, contract v1.2: a POST to `/link…` from another site changes
 * nothing. The attack: the attacker starts a cross-device flow on their own
 * device, opens its link in their own browser to get a confirmation token, plants
 * that token as the victim's `bp_link` cookie (cookie tossing: from a sibling
 * sub-domain, or over plain http) and has the victim's browser auto-submit
 * Continue from the attacker's page. The victim, already signed in at the
 * provider, is sent through it, and the attacker's device is signed in as the victim.
 */
const EVIL = 'https://evil.example'

/** The answer a cross-site POST must get: 403, an HTML page, nothing set, nowhere to go. */
function expectForbidden(page: Page): void {
  expect(page.status, page.html.slice(0, 300)).toBe(403)
  expect(page.headers.get('content-type')).toMatch(/^text\/html/)
  expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  expect(page.location).toBeNull()
  expect(page.setCookies).toEqual([])
  expect(page.token).toBeUndefined()
}

describe('cross-site POSTs to /link change nothing (Origin, Sec-Fetch-Site)', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  /** The flow's status now, read through a fresh auth.watch (polls would be held to the interval). */
  async function statusOf(device: StartedDevice): Promise<string> {
    const watcher = await watch(bp.url, device.flowId)
    const first = await watcher.waitFor((e) => e.event === 'message')
    watcher.close()
    return (JSON.parse(first.data) as { status: string }).status
  }

  /** The attacker's flow and a confirmation token for it, from the attacker's own browser. */
  async function attackersToken(): Promise<{ device: StartedDevice; token: string }> {
    const device = await startDevice(bp.url, { provider: 'dev', deviceName: 'Living room TV' })
    const page = await new Phone(bp.url).open(device.userCode)
    expect(page.status).toBe(200)
    return { device, token: page.token! }
  }

  const crossSite: [string, Record<string, string>][] = [
    ['Origin of another site', { origin: EVIL }],
    ['Origin of a sibling sub-domain', { origin: 'http://evil.localhost' }],
    ['Origin of the same host on another port', { origin: 'http://localhost:1' }],
    ['Origin: null (a sandboxed frame, a data: URL)', { origin: 'null' }],
    ['no Origin, Sec-Fetch-Site: cross-site', { origin: '', 'sec-fetch-site': 'cross-site' }],
    ['no Origin, Sec-Fetch-Site: same-site', { origin: '', 'sec-fetch-site': 'same-site' }],
  ]

  it.each(crossSite)(
    'Continue with a planted cookie (cookie tossing), %s: 403, the attacker’s flow is not approved',
    async (_how, headers) => {
      const { device, token } = await attackersToken()
      const victim = new Phone(bp.url)
      const forged = await victim.answer('continue', { token, cookie: `bp_link=${token}`, headers })
      expectForbidden(forged)
      // Decline too: a cross-site page must not be able to end someone's flow either.
      expectForbidden(await victim.answer('decline', { token, cookie: `bp_link=${token}`, headers }))
      expect(await statusOf(device)).toBe('opened')
    },
  )

  it.each(crossSite)(
    'Continue without a planted cookie, %s: 403, the victim’s own open page still works',
    async (_how, headers) => {
      const device = await startDevice(bp.url, { provider: 'dev' })
      const victim = new Phone(bp.url)
      expect((await victim.open(device.userCode)).status).toBe(200)
      expectForbidden(await victim.answer('continue', { headers }))
      expect(await statusOf(device)).toBe('opened')
      expect((await victim.answer('continue')).status).toBe(303)
    },
  )

  it.each(crossSite)('code entry (POST /link), %s: 403, the flow is not even opened', async (_how, headers) => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    expectForbidden(await new Phone(bp.url).enter(device.userCode, headers))
    expect(await statusOf(device)).toBe('pending')
  })

  it('every /link page is Referrer-Policy same-origin, so the browser’s own POSTs carry their Origin (no-referrer makes it `null`)', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    const pages = [
      await phone.request('GET', '/link'),
      await phone.open(device.userCode),
      await phone.enter('BBBB-BBBB'),
      await phone.answer('decline'),
    ]
    for (const page of pages) {
      expect(page.headers.get('referrer-policy'), page.url).toBe('same-origin')
      // The meta tag wins over the header in a browser: it must say the same.
      expect(page.html, page.url).toContain('<meta name="referrer" content="same-origin">')
    }
  })

  it.each([
    ['Origin of PUBLIC_URL', {}],
    ['no Origin, Sec-Fetch-Site: same-origin', { origin: '', 'sec-fetch-site': 'same-origin' }],
    ['no Origin, Sec-Fetch-Site: none (typed by the user)', { origin: '', 'sec-fetch-site': 'none' }],
    ['neither header (an old browser, curl)', { origin: '' }],
  ])('a same-origin POST (%s) still works', async (_how, headers: Record<string, string>) => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    expect((await phone.enter(device.userCode, headers)).status).toBe(200)
    expect((await phone.answer('continue', { headers })).status).toBe(303)
  })
})

describe('over https the link cookie is __Host-prefixed, and a tossed plain cookie is ignored', () => {
  let bp: TestInstance
  const publicUrl = 'https://login.example.test'

  beforeAll(async () => {
    bp = await startBoardingPass({ REDIS_URL: inject('redisUrl'), AUTH_RATE_LIMITS: 'off', PUBLIC_URL: publicUrl })
  })
  afterAll(() => bp?.close())

  it('the cookie is __Host-bp_link: Secure, Path=/, no Domain, HttpOnly, SameSite=Strict', async () => {
    const device = await startDevice(bp.address, { provider: 'dev' })
    const phone = new Phone(publicUrl, { origin: bp.address })
    const page = await phone.open(device.userCode)
    expect(page.status, page.html).toBe(200)
    expect(page.setCookies).toHaveLength(1)
    const attributes = page.setCookies[0]!.split(';').map((part) => part.trim())
    expect(attributes[0]).toMatch(/^__Host-bp_link=/)
    expect(attributes).toContain('Secure')
    expect(attributes).toContain('Path=/')
    expect(attributes).toContain('HttpOnly')
    expect(attributes).toContain('SameSite=Strict')
    expect(attributes.some((a) => /^domain=/i.test(a))).toBe(false)
    // The cookie does its job (Decline needs no provider; this PUBLIC_URL is not reachable for Continue's provider leg).
    expect((await phone.answer('decline')).status).toBe(200)
  })

  it('a tossed bp_link cookie (what a sibling sub-domain or plain http can set) does not stand in for it', async () => {
    const device = await startDevice(bp.address, { provider: 'dev' })
    const attacker = new Phone(publicUrl, { origin: bp.address })
    const token = (await attacker.open(device.userCode)).token!
    // Even with the right Origin (say a same-origin injection point), the tossed cookie is not the __Host- one.
    const victim = new Phone(publicUrl, { origin: bp.address })
    const forged = await victim.answer('decline', { token, cookie: `bp_link=${token}` })
    expect(forged.status).toBe(400)
    expect(forged.html).toContain('This page has expired')
    // The attacker's own page (with the real __Host- cookie) was not spent by it.
    expect((await attacker.answer('decline')).status).toBe(200)
  })
})

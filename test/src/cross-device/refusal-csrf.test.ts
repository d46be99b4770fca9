import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { startDevice, type StartedDevice } from './device.js'
import { Phone } from './phone.js'
import { startDevService } from './service.js'
import { watch } from './watch.js'

describe("POST /link/answer is CSRF-protected: the form token must equal this browser's bp_link cookie", () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  /** A flow opened on a phone, waiting at the confirmation screen. */
  async function opened(): Promise<{ device: StartedDevice; phone: Phone; token: string }> {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    const confirm = await phone.open(device.userCode)
    expect(confirm.status).toBe(200)
    expect(phone.linkCookie).toBe(confirm.token)
    return { device, phone, token: confirm.token! }
  }

  /** The flow's status now, read through a fresh auth.watch (polls would be held to the interval). */
  async function statusOf(device: StartedDevice): Promise<string> {
    const watcher = await watch(bp.url, device.flowId)
    const first = await watcher.waitFor((e) => e.event === 'message')
    watcher.close()
    return (JSON.parse(first.data) as { status: string }).status
  }

  it.each(['continue', 'decline'] as const)(
    '%s without the cookie (a cross-site form post): 400, flow unchanged',
    async (action) => {
      const { device, phone, token } = await opened()
      const forged = await phone.answer(action, { token, cookie: false })
      expect(forged.status).toBe(400)
      expect(forged.location).toBeNull()
      expect(forged.html).toContain('This page has expired')
      expect(await statusOf(device)).toBe('opened')

      // The real user's answer still works: the forged post did not spend the token.
      const real = await phone.answer('continue')
      expect(real.status).toBe(303)
    },
  )

  it.each(['continue', 'decline'] as const)(
    '%s with a token that differs from the cookie: 400, flow unchanged',
    async (action) => {
      const victim = await opened()
      const attacker = await opened()
      // The attacker's own valid token, posted from the victim's browser (the victim's cookie goes along).
      const swapped = await victim.phone.answer(action, { token: attacker.token })
      expect(swapped.status).toBe(400)
      expect(swapped.location).toBeNull()
      // A made-up token with the victim's real cookie, and the victim's token with a made-up cookie.
      expect((await victim.phone.answer(action, { token: 'x'.repeat(43) })).status).toBe(400)
      expect((await victim.phone.answer(action, { token: victim.token, cookie: `bp_link=${'y'.repeat(43)}` })).status).toBe(400)
      // An empty token with an empty cookie is no match either.
      expect((await victim.phone.answer(action, { token: '', cookie: 'bp_link=' })).status).toBe(400)

      expect(await statusOf(victim.device)).toBe('opened')
      expect(await statusOf(attacker.device)).toBe('opened')
      expect((await victim.phone.answer('decline')).status).toBe(200)
      expect(await statusOf(victim.device)).toBe('denied')
    },
  )

  it('the cookie is HttpOnly, SameSite=Strict and scoped to /link', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const confirm = await new Phone(bp.url).open(device.userCode)
    const cookie = confirm.setCookies.find((c) => c.startsWith('bp_link='))!
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; SameSite=Strict/)
    expect(cookie).toMatch(/; Path=\/link/)
    expect(cookie).toMatch(/; Max-Age=\d+/)
  })

  it('the confirmation page cannot be framed', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const confirm = await new Phone(bp.url).open(device.userCode)
    const csp = confirm.headers.get('content-security-policy') ?? ''
    const framing = confirm.headers.get('x-frame-options')
    expect(/frame-ancestors 'none'/.test(csp) || framing === 'DENY').toBe(true)
  })
})

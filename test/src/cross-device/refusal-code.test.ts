import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { poll, startDevice } from './device.js'
import { Phone, type Page } from './phone.js'
import { startDevService } from './service.js'
import { watch } from './watch.js'

/** A refusal page: 400, says why, offers the code form again, and gives this browser nothing to continue with. */
function expectRefusalPage(page: Page, heading: RegExp): void {
  expect(page.status, page.html).toBe(400)
  expect(page.headers.get('content-type')).toMatch(/^text\/html/)
  expect(page.html).toMatch(heading)
  expect(page.html).toContain('data-test-id="link-code"')
  expect(page.token).toBeUndefined()
  expect(page.setCookies).toEqual([])
  expect(page.location).toBeNull()
}

describe('/link refuses wrong, spent and already-claimed codes with a 400 page', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it.each([
    ['a well-formed code no flow has', 'BCDF-GHJK'],
    ['letters outside the alphabet (vowels)', 'AEIO-UAEI'],
    ['too short', 'BCDF-GHJ'],
    ['too long', 'BCDF-GHJKL'],
    ['digits', '1234-5678'],
    ['markup', '<script>alert(1)</script>'],
  ])('a wrong code (%s)', async (_what, code) => {
    const page = await new Phone(bp.url).enter(code)
    expectRefusalPage(page, /<h1>That code did not work<\/h1>/)
    expect(page.html).not.toContain('<script>alert')
    expectRefusalPage(await new Phone(bp.url).open(code), /<h1>That code did not work<\/h1>/)
  })

  it('a spent code: once the flow is approved, the code opens nothing, even in the browser that used it', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    expect((await phone.approve(device.userCode)).text('link-done')).toBeDefined()
    expectRefusalPage(await phone.open(device.userCode), /<h1>This code was already used<\/h1>/)
    expectRefusalPage(await new Phone(bp.url).enter(device.userCode), /<h1>This code was already used<\/h1>/)
    expect((await poll(bp.url, device.flowId)).body.result!.data.status).toBe('approved')
  })

  it('a second phone (another cookie jar) may look (v1.2: opening spends nothing), but once the first answers it is refused', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const watcher = await watch(bp.url, device.flowId)
    const first = new Phone(bp.url)
    const confirm = await first.open(device.userCode)
    expect(confirm.status).toBe(200)

    const second = new Phone(bp.url)
    const looked = await second.open(device.userCode)
    expect(looked.status).toBe(200)
    expect(looked.token).not.toBe(confirm.token)
    // The second phone cannot use the first one's token without the first one's cookie.
    expect((await second.answer('continue', { token: confirm.token })).status).toBe(400)
    expect((await poll(bp.url, device.flowId)).body.result!.data.status).toBe('opened')

    // A reload in the first browser shows the same screen, with the same token.
    const reload = await first.open(device.userCode)
    expect(reload.status).toBe(200)
    expect(reload.token).toBe(confirm.token)
    const next = await first.answer('continue')
    expect(next.status).toBe(303)
    // The first Continue spent the code: the second phone's page, and the code itself, are refused.
    expect((await second.answer('continue')).status).toBe(400)
    expectRefusalPage(await second.open(device.userCode), /<h1>This code was already used<\/h1>/)
    expectRefusalPage(await second.enter(device.userCode.toLowerCase()), /<h1>This code was already used<\/h1>/)
    expect((await first.signInAtProvider(next.location!)).text('link-done')).toBeDefined()
    expect((await watcher.waitForStatus('approved')).value.serverCode).toBeTruthy()
  })

  it("a declined flow's code is spent too", async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    await phone.open(device.userCode)
    expect((await phone.answer('decline')).status).toBe(200)
    expectRefusalPage(await phone.open(device.userCode), /<h1>This code was already used<\/h1>/)
  })
})

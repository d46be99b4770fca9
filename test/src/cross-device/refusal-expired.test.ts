import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { poll, startDevice } from './device.js'
import { Phone } from './phone.js'
import { sleep, startDevService } from './service.js'
import { watch } from './watch.js'

/** Waits until `expiresAt` (ISO 8601) has passed, and a little more. */
const pastExpiry = (expiresAt: string) => sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 300)

describe.concurrent('an expired cross-device flow (AUTH_CROSS_DEVICE_TTL=2)', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService({ AUTH_CROSS_DEVICE_TTL: '2' })
  })
  afterAll(() => bp?.close())

  it('expiresAt is the TTL ahead', async () => {
    const before = Date.now()
    const device = await startDevice(bp.url)
    const after = Date.now()
    const expiresAt = Date.parse(device.expiresAt)
    expect(expiresAt).toBeGreaterThanOrEqual(before + 2000)
    expect(expiresAt).toBeLessThanOrEqual(after + 2000)
  })

  it('a watcher is told `expired` live, and the stream ends', async () => {
    const device = await startDevice(bp.url)
    const watcher = await watch(bp.url, device.flowId)
    await watcher.waitForStatus('pending')
    await watcher.waitForStatus('expired', 5_000)
    await watcher.ended
    expect(watcher.statuses().map((s) => s.status)).toEqual(['pending', 'expired'])
    expect(watcher.events.at(-1)!.event).toBe('return')
  })

  it('poll reports `expired` while the state lasts, and so does a new watch', async () => {
    const device = await startDevice(bp.url)
    await pastExpiry(device.expiresAt)
    const polled = await poll(bp.url, device.flowId)
    expect(polled.status).toBe(200)
    expect(polled.body.result!.data).toEqual({ status: 'expired' })

    const watcher = await watch(bp.url, device.flowId)
    await watcher.ended
    expect(watcher.statuses()).toEqual([{ status: 'expired' }])
  })

  it('an expired code gets a 400 page at /link', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    await pastExpiry(device.expiresAt)
    const page = await new Phone(bp.url).open(device.userCode)
    expect(page.status).toBe(400)
    expect(page.token).toBeUndefined()
    expect(page.setCookies).toEqual([])
    expect((await poll(bp.url, device.flowId)).body.result!.data.status).toBe('expired')
  })

  // The user code lives as long as the flow's state, so an expired code is told "expired", not "wrong".
  it('the 400 page for an expired code says it expired', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    await pastExpiry(device.expiresAt)
    const page = await new Phone(bp.url).open(device.userCode)
    expect(page.status).toBe(400)
    expect(page.html).toMatch(/<h1>[^<]*expired[^<]*<\/h1>/i)
  })

  it('a confirmation page opened in time cannot be used after expiry: Continue gets a 400 page', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    expect((await phone.open(device.userCode)).status).toBe(200)
    await pastExpiry(device.expiresAt)
    const late = await phone.answer('continue')
    expect(late.status).toBe(400)
    expect(late.location).toBeNull()
    expect((await poll(bp.url, device.flowId)).body.result!.data.status).toBe('expired')
  })
})

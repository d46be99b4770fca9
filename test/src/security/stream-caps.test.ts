import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { expectRefusal } from '../support/refusal.js'
import type { WireResponse } from '../support/trpc-http.js'
import { startDevice } from '../cross-device/device.js'
import { startDevService } from '../cross-device/service.js'
import { watch, type Watcher } from '../cross-device/watch.js'

/**
 * Issue 13 item 5: one address held 298 `auth.watch` streams open (~90 KB each);
 * the limit was per minute, not on how many are open at once. Open streams are
 * capped per flow and per client address (per process); a refusal is HTTP 429
 * `rate_limited` with `Retry-After`, and a closed stream gives its slot back.
 */
const PER_FLOW = 5
const PER_ADDRESS = 30

describe('auth.watch streams are capped per flow and per address', () => {
  let bp: TestInstance
  const open: Watcher[] = []

  beforeAll(async () => {
    bp = await startDevService({ TRUST_PROXY_HOPS: '1' })
  })
  afterEach(() => {
    for (const watcher of open.splice(0)) watcher.close()
  })
  afterAll(() => bp?.close())

  /** `GET /trpc/auth.watch` as any SSE client sends it, from `address`, without reading the stream. */
  async function attempt(flowId: string, address: string): Promise<Response> {
    const input = encodeURIComponent(JSON.stringify({ flowId }))
    return fetch(`${bp.url}/trpc/auth.watch?input=${input}`, {
      headers: { accept: 'text/event-stream', 'x-forwarded-for': address },
    })
  }

  async function expectRefused(flowId: string, address: string): Promise<void> {
    const response = await attempt(flowId, address)
    expect(response.status).toBe(429)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
    const text = await response.text()
    expectRefusal(
      { status: response.status, headers: response.headers, body: JSON.parse(text) as WireResponse['body'] },
      'rate_limited',
    )
  }

  /** Opens a stream and waits for its first status, so the server has counted it. */
  async function hold(flowId: string, address: string): Promise<Watcher> {
    const watcher = await watch(bp.url, flowId, { 'x-forwarded-for': address })
    open.push(watcher)
    await watcher.waitFor((event) => event.event === 'message')
    return watcher
  }

  /** Retries for a moment: the server frees a slot when it sees the connection close. */
  async function eventuallyAccepted(flowId: string, address: string): Promise<Watcher> {
    const deadline = Date.now() + 3_000
    for (;;) {
      try {
        return await hold(flowId, address)
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }

  it(`per flow: ${PER_FLOW} open, the next refused with 429 and Retry-After; close one, the next accepted`, async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    for (let i = 0; i < PER_FLOW; i++) await hold(device.flowId, `198.51.100.${i + 1}`)
    await expectRefused(device.flowId, '198.51.100.99')
    // Another flow is not affected.
    await hold((await startDevice(bp.url, { provider: 'dev' })).flowId, '198.51.100.99')
    open.shift()!.close()
    await eventuallyAccepted(device.flowId, '198.51.100.99')
    await expectRefused(device.flowId, '198.51.100.98')
  })

  it(`per address: ${PER_ADDRESS} open across flows, the next refused; another address is not; close one, the next accepted`, async () => {
    const address = '203.0.113.7'
    const flows: string[] = []
    for (let i = 0; i < PER_ADDRESS / PER_FLOW + 1; i++) flows.push((await startDevice(bp.url, { provider: 'dev' })).flowId)
    for (let i = 0; i < PER_ADDRESS; i++) await hold(flows[Math.floor(i / PER_FLOW)]!, address)
    await expectRefused(flows.at(-1)!, address)
    await hold(flows.at(-1)!, '203.0.113.8')
    open.shift()!.close()
    await eventuallyAccepted(flows.at(-1)!, address)
    await expectRefused(flows.at(-1)!, address)
  })

  it('a stream that ends by itself (a final status) gives its slot back', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const address = '192.0.2.44'
    const watchers: Watcher[] = []
    for (let i = 0; i < PER_FLOW; i++) watchers.push(await hold(device.flowId, address))
    await expectRefused(device.flowId, address)
    // Decline through the page: every stream gets `denied` and ends.
    const { Phone } = await import('../cross-device/phone.js')
    const phone = new Phone(bp.url)
    await phone.open(device.userCode)
    expect((await phone.answer('decline')).status).toBe(200)
    await Promise.all(watchers.map((watcher) => watcher.ended))
    const after = await eventuallyAccepted(device.flowId, address)
    expect(after.statuses().map((s) => s.status)).toEqual(['denied'])
  })
})

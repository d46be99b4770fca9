import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { expectRefusal } from '../support/refusal.js'
import { poll, startDevice } from './device.js'
import { sleep, startDevService } from './service.js'

describe('auth.poll faster than `interval` is rate_limited', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it('refuses the second poll within the interval with 429 and Retry-After; answers again after it', async () => {
    const device = await startDevice(bp.url)
    expect((await poll(bp.url, device.flowId)).status).toBe(200)

    const tooSoon = await poll(bp.url, device.flowId)
    const error = expectRefusal(tooSoon, 'rate_limited')
    expect(error.message).toMatch(/interval/)
    expect(Number(tooSoon.headers.get('retry-after'))).toBe(device.interval)

    await sleep(device.interval * 1000)
    const again = await poll(bp.url, device.flowId)
    expect(again.status).toBe(200)
    expect(again.body.result!.data).toEqual({ status: 'pending' })
  })

  it('parallel polls: exactly one is answered', async () => {
    const device = await startDevice(bp.url)
    const answers = await Promise.all(Array.from({ length: 8 }, () => poll(bp.url, device.flowId)))
    expect(answers.map((a) => a.status).sort()).toEqual([200, 429, 429, 429, 429, 429, 429, 429])
  })

  it('the interval is per flow: another flow polls at once', async () => {
    const [a, b] = await Promise.all([startDevice(bp.url), startDevice(bp.url)])
    expect((await poll(bp.url, a.flowId)).status).toBe(200)
    expect((await poll(bp.url, b.flowId)).status).toBe(200)
  })
})

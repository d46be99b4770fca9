import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { expectRefusal } from '../support/refusal.js'
import { callProcedure } from '../support/trpc-http.js'
import { startDevice } from '../cross-device/device.js'
import { Phone } from '../cross-device/phone.js'
import { startDevService } from '../cross-device/service.js'

/**
 * Issue 13 item 7: the confirmation page stated what the waiting device claims
 * as fact. A `deviceName` of "Your iPhone (this phone) – security re-check" was
 * shown under "Device" as if the broker knew it, and "same network" reassured the
 * user whenever both devices shared a NAT (and always behind a proxy with
 * TRUST_PROXY_HOPS=0, where every request has the proxy's address).
 */
async function startNamed(baseUrl: string, deviceName: string) {
  const pair = await createClientCodePair()
  return callProcedure(baseUrl, 'auth.start', {
    mutation: {
      mode: 'cross-device',
      clientCodeHash: pair.clientCodeHash,
      hashMethod: pair.hashMethod,
      provider: 'dev',
      deviceName,
    },
  })
}

describe('device-reported fields are labelled, restricted, and the network is only ever a warning', () => {
  let bp: TestInstance
  let behindProxy: TestInstance

  beforeAll(async () => {
    bp = await startDevService({ TRUST_PROXY_HOPS: '1' })
    behindProxy = await startDevService({ TRUST_PROXY_HOPS: '0' })
  })
  afterAll(async () => {
    await bp?.close()
    await behindProxy?.close()
  })

  it.each([
    ['the reviewer’s spoof', 'Your iPhone (this phone) – security re-check'],
    ['41 characters', 'A'.repeat(41)],
    ['a line break', 'Living room\nThis is your phone'],
    ['a right-to-left override', 'TV \u202Eenohp ruoy'],
    ['markup', '<b>Your phone</b>'],
    ['a colon and quotes (fake labels)', 'TV" Verified: yes'],
    ['an emoji', 'TV ✅ verified'],
    ['only spaces', '   '],
  ])('auth.start refuses a deviceName with %s: invalid_request', async (_what, deviceName) => {
    expectRefusal(await startNamed(bp.url, deviceName), 'invalid_request')
  })

  it.each([
    ['Living room TV'],
    ["Sam's MacBook Pro"],
    ['Kiosk 4 (lobby)'],
    ['Büro-PC'],
    ['客厅电视'],
    ['ci-runner-07.example.net'],
  ])('auth.start accepts %s', async (deviceName) => {
    const response = await startNamed(bp.url, deviceName)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
  })

  it('the page says the name and the browser are what the device reports, not facts', async () => {
    const device = await startDevice(bp.url, { provider: 'dev', deviceName: 'Living room TV' })
    const page = await new Phone(bp.url).open(device.userCode)
    expect(page.status).toBe(200)
    expect(page.text('link-device')).toBe('Living room TV')
    expect(page.html).toMatch(/The device says its name is\s*<[^>]*data-test-id="link-device"/)
    expect(page.html).toMatch(/says it is running\s*<[^>]*data-test-id="link-started-on"/)
    expect(page.html).not.toMatch(/<dt>Device<\/dt>/)
  })

  it('same address: no "same network" reassurance at all', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const page = await new Phone(bp.url).open(device.userCode)
    expect(page.status).toBe(200)
    expect(page.html).not.toMatch(/same network/i)
    expect(page.html).not.toContain('data-test-id="link-network-warning"')
  })

  it('different addresses: a warning', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const page = await new Phone(bp.url, { headers: { 'x-forwarded-for': '203.0.113.50' } }).open(device.userCode)
    expect(page.status).toBe(200)
    expect(page.html).toMatch(/data-test-id="link-network-warning"[^>]*>[\s\S]*different network/)
  })

  it('requests with X-Forwarded-For while TRUST_PROXY_HOPS=0 log one warning that names the setting', async () => {
    const before = behindProxy.logs.filter((line) => line.includes('TRUST_PROXY_HOPS')).length
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${behindProxy.url}/link`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })
      await response.arrayBuffer()
    }
    const warnings = behindProxy.logs.filter((line) => line.includes('TRUST_PROXY_HOPS'))
    expect(warnings.length - before).toBe(1)
    const entry = JSON.parse(warnings.at(-1)!) as { level: number; msg: string }
    expect(entry.level).toBe(40)
    expect(entry.msg).toMatch(/X-Forwarded-For/)
    // Without the header, nothing more is logged.
    await (await fetch(`${behindProxy.url}/link`)).arrayBuffer()
    expect(behindProxy.logs.filter((line) => line.includes('TRUST_PROXY_HOPS'))).toHaveLength(warnings.length)
  })
})

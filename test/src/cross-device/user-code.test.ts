import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { poll, startDevice } from './device.js'
import { Phone } from './phone.js'
import { startDevService } from './service.js'

const SHOWN = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/

describe('the user code: XXXX-XXXX of BCDFGHJKLMNPQRSTVWXZ, typed case-insensitively, dash and spaces optional', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it('is 8 letters of the alphabet shown as XXXX-XXXX, with the verification URIs at PUBLIC_URL/link', async () => {
    const codes = new Set<string>()
    for (let i = 0; i < 25; i++) {
      const device = await startDevice(bp.url)
      expect(device.userCode).toMatch(SHOWN)
      expect(device.verificationUri).toBe(`${bp.url}/link`)
      expect(device.verificationUriComplete).toBe(`${bp.url}/link?code=${device.userCode}`)
      expect(device.interval).toBeGreaterThan(0)
      const minutesAhead = (Date.parse(device.expiresAt) - Date.now()) / 60_000
      expect(minutesAhead).toBeGreaterThan(4)
      expect(minutesAhead).toBeLessThanOrEqual(5)
      codes.add(device.userCode)
    }
    expect(codes.size).toBe(25)
  })

  it.each([
    ['without the dash', (code: string) => code.replace('-', ''), 'enter'],
    [
      'mixed case with spaces around and inside',
      (code: string) => ` ${code.slice(0, 2)} ${code.slice(2).toLowerCase()} `,
      'enter',
    ],
    ['lower case in the link (GET /link?code=)', (code: string) => code.toLowerCase(), 'open'],
  ] as const)('accepts it %s', async (_how, typed, via) => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    const page = via === 'enter' ? await phone.enter(typed(device.userCode)) : await phone.open(typed(device.userCode))
    expect(page.status, page.html).toBe(200)
    expect(page.text('link-code-shown')).toBe(device.userCode)
    expect((await poll(bp.url, device.flowId)).body.result?.data.status).toBe('opened')
  })

  it('the literal example from the contract: "bcdf ghjk" finds the flow whose code is BCDF-GHJK', async () => {
    // A flow's code is random, so this checks the normalisation, not a lucky draw: the same letters differently written.
    const device = await startDevice(bp.url, { provider: 'dev' })
    const [a, b] = device.userCode.split('-') as [string, string]
    const page = await new Phone(bp.url).enter(`${a.toLowerCase()} ${b.toLowerCase()}`)
    expect(page.status).toBe(200)
    expect(page.text('link-code-shown')).toBe(`${a}-${b}`)
  })

  // HEAD must be safe (RFC 9110 §9.2.1): link checkers and previewers send it, and must not claim the flow.
  it('a HEAD request (a link checker) does not spend the code', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const head = await fetch(device.verificationUriComplete, { method: 'HEAD' })
    expect(head.headers.get('set-cookie')).toBeNull()
    expect((await poll(bp.url, device.flowId)).body.result?.data.status).toBe('pending')
    expect((await new Phone(bp.url).open(device.userCode)).status).toBe(200)
  })

  it('the entry page (no code) is a plain form that posts to /link', async () => {
    const page = await new Phone(bp.url).request('GET', '/link')
    expect(page.status).toBe(200)
    expect(page.html).toMatch(/<form method="post" action="\/link"/)
    expect(page.html).toContain('data-test-id="link-code"')
    expect(page.html).toContain('data-test-id="link-submit"')
    expect(page.html).not.toMatch(/<script/i)
  })
})

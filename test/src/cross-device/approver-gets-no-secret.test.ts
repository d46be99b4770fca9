import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { complete, poll, startDevice } from './device.js'
import { Phone } from './phone.js'
import { startDevService } from './service.js'
import { watch } from './watch.js'

describe('the approving device only approves: it never gets a Server Code, a token or the Client Code', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it('no response to the phone (bodies, Location headers, Set-Cookie) carries a secret of device A', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const watcher = await watch(bp.url, device.flowId)
    const phone = new Phone(bp.url)
    const done = await phone.approve(device.userCode, { name: 'Ada Lovelace' })
    expect(done.text('link-done')).toBeDefined()

    const serverCode = (await watcher.waitForStatus('approved')).value.serverCode!
    const tokens = (await complete(bp.url, device, serverCode)).body.result!.data
    const transcript = phone.transcript.join('\n\n')
    expect(transcript).toContain('link-done')
    for (const [what, secret] of [
      ['the Server Code', serverCode],
      ['the access token', tokens.accessToken],
      ['the refresh token', tokens.refreshToken],
      ['the Client Code', device.pair.clientCode],
    ] as const) {
      expect(transcript.includes(secret), `${what} reached the phone`).toBe(false)
      expect(transcript.includes(encodeURIComponent(secret)), `${what} (URL-encoded) reached the phone`).toBe(false)
    }
    expect(transcript).not.toMatch(/server_code=/)
    // The callback is a page, never a redirect onward (there is no redirect URI in this mode).
    expect(done.status).toBe(200)
    expect(done.location).toBeNull()
  })

  // The provider leg of a cross-device flow has its own random `state`: the phone sees that state (in
  // Continue's 303 and the provider's redirect), and must never learn the flowId, which is all that
  // auth.watch/auth.poll ask for (with it, the phone could read the Server Code and spend it).
  it('the flowId (the key to auth.watch/auth.poll) is not revealed to the phone', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    await phone.approve(device.userCode, { name: 'Ada Lovelace' })
    expect(phone.transcript.join('\n')).not.toContain(device.flowId)

    const seenState = /[?&]state=([\w-]+)/.exec(phone.transcript.join('\n'))?.[1]
    const asPhone = await poll(bp.url, seenState ?? 'none')
    expect(asPhone.body.result?.data.serverCode).toBeUndefined()
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { complete, poll, startDevice } from './device.js'
import { Phone } from './phone.js'
import { startDevService } from './service.js'
import { watch } from './watch.js'

describe('a cross-device flow the user turns down ends as `denied`', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it('denial at the provider: the callback page says nothing was signed in; the watcher gets `denied`', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const watcher = await watch(bp.url, device.flowId)
    const phone = new Phone(bp.url)
    await phone.open(device.userCode)
    const next = await phone.answer('continue')
    expect(next.status).toBe(303)

    const callback = await browserlessLogin(next.location!, { deny: true, stopAt: `${bp.url}/auth/callback` })
    expect(callback.searchParams.get('error')).toBe('access_denied')
    const page = await phone.request('GET', `/auth/callback${callback.search}`)
    expect(page.status).toBe(200)
    expect(page.text('link-failed')).toBeDefined()
    expect(page.html).toContain('You declined at the sign-in page.')
    expect(page.location).toBeNull()

    const denied = await watcher.waitForStatus('denied')
    expect(denied.value).toEqual({ status: 'denied' })
    await watcher.ended
    expect(watcher.statuses().map((s) => s.status)).toEqual(['pending', 'opened', 'denied'])
    expect((await poll(bp.url, device.flowId)).body.result!.data).toEqual({ status: 'denied' })
  })

  it('the Decline button: a "Declined" page, the watcher gets `denied`, and the provider is never visited', async () => {
    const device = await startDevice(bp.url, { provider: 'dev', deviceName: 'Not mine' })
    const watcher = await watch(bp.url, device.flowId)
    const phone = new Phone(bp.url)
    const confirm = await phone.open(device.userCode)
    expect(confirm.text('link-device')).toBe('Not mine')
    await watcher.waitForStatus('opened')

    const declined = await phone.answer('decline')
    expect(declined.status).toBe(200)
    expect(declined.location).toBeNull()
    expect(declined.html).toMatch(/<h1>Declined<\/h1>/)

    expect((await watcher.waitForStatus('denied')).value).toEqual({ status: 'denied' })
    await watcher.ended
    // Declined is final: Continue with the same (spent) token does not revive it.
    expect((await phone.answer('continue')).status).toBe(400)
    expect((await poll(bp.url, device.flowId)).body.result!.data).toEqual({ status: 'denied' })
  })

  it('a denied flow has no Server Code to redeem', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    await phone.open(device.userCode)
    await phone.answer('decline')
    const polled = (await poll(bp.url, device.flowId)).body.result!.data
    expect(polled.serverCode).toBeUndefined()
    const attempt = await complete(bp.url, device, 'A'.repeat(43))
    expect(attempt.body.error?.data.reason).toBe('invalid_grant')
  })
})

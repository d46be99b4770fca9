import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { poll, startDevice } from './device.js'
import { Phone } from './phone.js'
import { startDevService } from './service.js'
import { watch } from './watch.js'

describe('a flow is approved at most once', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it('replaying /link/answer with the same token and cookie gets a 400 page, not a second provider leg', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    const confirm = await phone.open(device.userCode)
    const first = await phone.answer('continue', { token: confirm.token })
    expect(first.status).toBe(303)

    const replay = await phone.answer('continue', { token: confirm.token })
    expect(replay.status).toBe(400)
    expect(replay.location).toBeNull()
    const declineReplay = await phone.answer('decline', { token: confirm.token })
    expect(declineReplay.status).toBe(400)
    expect((await poll(bp.url, device.flowId)).body.result!.data.status).toBe('opened')

    // The first Continue still completes.
    expect((await phone.signInAtProvider(first.location!)).text('link-done')).toBeDefined()
    expect((await phone.answer('continue', { token: confirm.token })).status).toBe(400)
  })

  it('replaying the provider callback gets the 400 page, and the flow keeps its first Server Code', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const watcher = await watch(bp.url, device.flowId)
    const phone = new Phone(bp.url)
    await phone.open(device.userCode)
    const next = await phone.answer('continue')
    const callback = await browserlessLogin(next.location!, { name: 'Ada Lovelace', stopAt: `${bp.url}/auth/callback` })

    const first = await phone.request('GET', `/auth/callback${callback.search}`)
    expect(first.text('link-done')).toBeDefined()
    const { serverCode } = (await watcher.waitForStatus('approved')).value

    const replay = await phone.request('GET', `/auth/callback${callback.search}`)
    expect(replay.status).toBe(400)
    expect(replay.location).toBeNull()
    expect(replay.text('link-done')).toBeUndefined()
    expect(replay.html).toContain('This sign-in is not valid any more')

    // From another browser too (someone who copied the URL).
    const stranger = await new Phone(bp.url).request('GET', `/auth/callback${callback.search}`)
    expect(stranger.status).toBe(400)

    const polled = (await poll(bp.url, device.flowId)).body.result!.data
    expect(polled).toEqual({ status: 'approved', serverCode })
  })
})

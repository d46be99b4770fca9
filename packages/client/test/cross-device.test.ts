import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStorage, type CrossDeviceSignIn } from '@boarding-pass/client'
import type { TestInstance } from '../../../test/src/support/boarding-pass.js'
import { Phone } from '../../../test/src/cross-device/phone.js'
import { eventually, harness, startService } from './support.js'

let bp: TestInstance
beforeAll(async () => {
  bp = await startService()
})
afterAll(() => bp?.close())

/** Every status and transport a flow went through, in order. */
function trace(flow: CrossDeviceSignIn): string[] {
  const seen: string[] = []
  flow.onChange((f) => seen.push(`${f.status}/${f.via ?? '-'}`))
  return seen
}

describe('cross-device sign-in (real server; the phone is a browser without JavaScript over real HTTP)', () => {
  it('over the live stream (auth.watch, SSE): opened, approved, completed; the login is the same as a redirect login', async () => {
    const h = harness(bp)
    await h.client.init()
    const flow = await h.client.startCrossDevice({ deviceName: 'Kiosk in the hall' })
    expect(flow.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    expect(flow.verificationUriComplete).toBe(`${bp.url}/link?code=${flow.userCode}`)
    const seen = trace(flow)
    await eventually(() => expect(flow.via).toBe('stream'))

    await new Phone(bp.url).approve(flow.userCode, { name: 'Dorothy Vaughan', provider: 'dev' })
    const user = await flow.result

    expect(user).toMatchObject({ provider: 'dev', name: 'Dorothy Vaughan' })
    expect(h.client.state).toMatchObject({ status: 'signed-in', user: { name: 'Dorothy Vaughan' } })
    expect(seen).toContain('approved/stream')
    expect(h.calls).not.toContain('auth.poll')
    expect(h.calls.filter((call) => call === 'auth.complete')).toHaveLength(1)
    expect((await h.client.me()).name).toBe('Dorothy Vaughan')
    h.client.dispose()
  })

  it('by polling (auth.poll), honouring interval: approved and completed', async () => {
    const h = harness(bp)
    const flow = await h.client.startCrossDevice({ transport: 'poll' })
    const seen = trace(flow)
    await eventually(() => expect(h.calls).toContain('auth.poll'))
    const pollsAt: number[] = []
    const started = Date.now()
    const unsubscribe = h.client.on('step', (step) => {
      if (step.action === 'auth.poll') pollsAt.push(Date.now() - started)
    })

    await new Phone(bp.url).approve(flow.userCode, { name: 'Mary Jackson', provider: 'dev' })
    expect((await flow.result).name).toBe('Mary Jackson')
    unsubscribe()

    expect(seen.at(-1)).toBe('approved/poll')
    expect(h.calls).not.toContain('auth.watch')
    // Never faster than the server's interval: the server would have refused with rate_limited, and the
    // flow would not have completed on the first answer after approval.
    const polls = h.calls.filter((call) => call === 'auth.poll').length
    expect(polls).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000 / flow.interval) + 2)
    expect(h.client.state.status).toBe('signed-in')
    h.client.dispose()
  })

  it('declined on the phone: result rejects with cross_device_denied, nothing is redeemed', async () => {
    const h = harness(bp)
    const flow = await h.client.startCrossDevice()
    const phone = new Phone(bp.url)
    await phone.open(flow.userCode)
    await phone.answer('decline')
    await expect(flow.result).rejects.toMatchObject({ reason: 'cross_device_denied', source: 'client' })
    expect(flow.status).toBe('denied')
    expect(h.calls).not.toContain('auth.complete')
    expect(h.client.state.status).not.toBe('signed-in')
    h.client.dispose()
  })

  it('resumes the flow after a "reload" (same storage, new client) and completes it; cancel gives a flow up for good', async () => {
    const storage = memoryStorage()
    const before = harness(bp, { storage })
    const flow = await before.client.startCrossDevice({ provider: 'dev' })
    before.client.dispose()
    await expect(flow.result).rejects.toMatchObject({ reason: 'cancelled' })

    const after = harness(bp, { storage })
    expect(after.client.hasPendingCrossDevice()).toBe(true)
    const resumed = after.client.resumeCrossDevice()!
    expect(resumed).toMatchObject({ flowId: flow.flowId, userCode: flow.userCode })
    await new Phone(bp.url).approve(resumed.userCode, { name: 'Annie Easley' })
    expect((await resumed.result).name).toBe('Annie Easley')

    const next = await after.client.startCrossDevice()
    next.cancel()
    await expect(next.result).rejects.toMatchObject({ reason: 'cancelled' })
    expect(after.client.hasPendingCrossDevice()).toBe(false)
    expect(after.client.resumeCrossDevice()).toBeUndefined()
    after.client.dispose()
  })

  it('an unknown provider is refused with its reason', async () => {
    const h = harness(bp)
    await expect(h.client.startCrossDevice({ provider: 'nope' })).rejects.toMatchObject({ reason: 'unknown_provider' })
    h.client.dispose()
  })
})

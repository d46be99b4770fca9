import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStorage, type TokenResponse, type User } from '@boarding-pass/client'
import type { TestInstance } from '../../../test/src/support/boarding-pass.js'
import { Phone } from '../../../test/src/cross-device/phone.js'
import { eventually, harness, startService, type Harness } from './support.js'

let bp: TestInstance
beforeAll(async () => {
  bp = await startService()
})
afterAll(() => bp?.close())

/** A harness that also keeps what `auth.complete` answered (the test looks over the client's shoulder). */
function watched(storage = memoryStorage()): Harness & { completed: () => TokenResponse | undefined; storage: typeof storage } {
  let completed: TokenResponse | undefined
  const h = harness(bp, {
    storage,
    fetch: async (input, init) => {
      const request = new Request(input, init)
      h.calls.push(new URL(request.url).pathname.replace(/^\/trpc\//, ''))
      const response = await fetch(request)
      if (request.url.endsWith('/trpc/auth.complete') && response.ok) {
        completed = ((await response.clone().json()) as { result: { data: TokenResponse } }).result.data
      }
      return response
    },
  })
  return { ...h, completed: () => completed, storage }
}

/** `auth.me` straight over HTTP with that access token: the user, or the refusal's reason. */
async function meWith(accessToken: string): Promise<{ status: number; reason?: string; name?: string }> {
  const response = await fetch(`${bp.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${accessToken}` } })
  const body = (await response.json()) as { result?: { data: User }; error?: { data?: { reason?: string } } }
  return { status: response.status, reason: body.error?.data?.reason, name: body.result?.data.name }
}

/** A `confirm` the test answers later, and what it was asked. */
function question() {
  const asked: User[] = []
  let answer!: (yes: boolean) => void
  const answered = new Promise<boolean>((resolve) => (answer = resolve))
  return { asked, answer, confirm: (user: User) => (asked.push(user), answered) }
}

describe('cross-device "Continue as …?" (the confirm option; real server, the phone over real HTTP)', () => {
  it('nothing is kept while it asks; Continue keeps the login the phone made', async () => {
    const h = watched()
    await h.client.init()
    const q = question()
    const flow = await h.client.startCrossDevice({ deviceName: 'Living-room TV', confirm: q.confirm })
    await new Phone(bp.url).approve(flow.userCode, { name: 'Sam Example', provider: 'dev' })

    await eventually(() => expect(q.asked).toHaveLength(1))
    expect(q.asked[0]).toMatchObject({ name: 'Sam Example', provider: 'dev' })
    // Asking: redeemed, but not stored, not signed in, and not resumable after a reload.
    expect(h.client.state.status).toBe('signed-out')
    expect(h.client.state.user).toBeUndefined()
    expect(h.storage.getItem('boarding-pass:session')).toBeNull()
    expect(h.client.hasPendingCrossDevice()).toBe(false)
    await expect(h.client.getAccessToken()).rejects.toMatchObject({ reason: 'not_signed_in' })

    q.answer(true)
    expect(await flow.result).toMatchObject({ name: 'Sam Example' })
    expect(h.client.state).toMatchObject({ status: 'signed-in', user: { name: 'Sam Example' } })
    expect(JSON.parse(h.storage.getItem('boarding-pass:session')!)).toMatchObject({ refreshToken: h.completed()!.refreshToken })
    expect((await h.client.me()).name).toBe('Sam Example')
    expect(h.calls).not.toContain('auth.logout')
    h.client.dispose()
  })

  it('"No, this isn’t me": that login is signed out at the server (its access token gets invalid_token), nothing kept', async () => {
    const h = watched()
    await h.client.init()
    const steps: string[] = []
    h.client.on('step', (step) => steps.push(`${step.action}:${step.status}`))
    const flow = await h.client.startCrossDevice({ confirm: () => false })
    await new Phone(bp.url).approve(flow.userCode, { name: 'Mallory Example', provider: 'dev' })

    const error = await flow.result.then(
      () => undefined,
      (failure: unknown) => failure as Error,
    )
    expect(error).toMatchObject({ reason: 'cross_device_refused', source: 'client' })
    expect(error?.cause).toBeUndefined()
    const refused = h.completed()!
    expect(refused.user.name).toBe('Mallory Example')
    expect(await meWith(refused.accessToken)).toMatchObject({ status: 401, reason: 'invalid_token' })
    expect(h.calls.filter((call) => call === 'auth.logout')).toHaveLength(1)
    expect(h.client.state.status).toBe('signed-out')
    expect(h.storage.getItem('boarding-pass:session')).toBeNull()
    expect(steps).toContain('confirm(user):failed')
    expect(steps).toContain('auth.logout:done')
    h.client.dispose()
  })

  it('cancel() or dispose() while it asks is a no; a confirm that throws is a no', async () => {
    for (const how of ['cancel', 'dispose', 'throw'] as const) {
      const h = watched()
      const q = question()
      const flow = await h.client.startCrossDevice({
        confirm:
          how === 'throw'
            ? () => {
                throw new Error('the prompt broke')
              }
            : q.confirm,
      })
      await new Phone(bp.url).approve(flow.userCode, { name: `Eve ${how}`, provider: 'dev' })
      if (how !== 'throw') {
        await eventually(() => expect(q.asked).toHaveLength(1))
        if (how === 'cancel') flow.cancel()
        else h.client.dispose()
      }
      await expect(flow.result, how).rejects.toMatchObject({ reason: 'cross_device_refused' })
      expect(h.calls, how).toContain('auth.logout')
      const refused = h.completed()!
      expect(await meWith(refused.accessToken), how).toMatchObject({ status: 401, reason: 'invalid_token' })
      q.answer(true)
      expect(h.client.state.status, how).not.toBe('signed-in')
      expect(h.storage.getItem('boarding-pass:session'), how).toBeNull()
      h.client.dispose()
    }
  })

  it('when the logout fails, nothing is kept anyway and the refusal carries the failure as its cause', async () => {
    const h = harness(bp, {
      fetch: (input, init) => {
        const request = new Request(input, init)
        if (request.url.endsWith('/trpc/auth.logout')) return Promise.reject(new TypeError('Failed to fetch'))
        return fetch(request)
      },
    })
    const flow = await h.client.startCrossDevice({ confirm: () => Promise.resolve(false) })
    await new Phone(bp.url).approve(flow.userCode, { name: 'Offline Example', provider: 'dev' })
    const error = await flow.result.then(
      () => undefined,
      (failure: unknown) => failure,
    )
    expect(error).toMatchObject({ reason: 'cross_device_refused', cause: { reason: 'network' } })
    expect(h.client.state.status).toBe('signed-out')
    await expect(h.client.getAccessToken()).rejects.toMatchObject({ reason: 'not_signed_in' })
    h.client.dispose()
  })

  it('resumeCrossDevice takes confirm too: a flow resumed after a reload still asks', async () => {
    const storage = memoryStorage()
    const before = harness(bp, { storage })
    const flow = await before.client.startCrossDevice()
    before.client.dispose()
    await expect(flow.result).rejects.toMatchObject({ reason: 'cancelled' })

    const after = watched(storage)
    const asked: string[] = []
    const resumed = after.client.resumeCrossDevice({ confirm: (user) => (asked.push(user.name ?? ''), false) })!
    await new Phone(bp.url).approve(resumed.userCode, { name: 'Trudy Example', provider: 'dev' })
    await expect(resumed.result).rejects.toMatchObject({ reason: 'cross_device_refused' })
    expect(asked).toEqual(['Trudy Example'])
    expect(await meWith(after.completed()!.accessToken)).toMatchObject({ status: 401, reason: 'invalid_token' })
    after.client.dispose()
  })
})

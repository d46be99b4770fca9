import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { memoryStorage } from '@boarding-pass/client'
import type { TestInstance } from '../../../test/src/support/boarding-pass.js'
import { eventually, harness, signInThroughProvider, startService } from './support.js'

let bp: TestInstance
/** Access tokens live 2 s here, so expiry comes while a test watches. */
let shortLived: TestInstance
beforeAll(async () => {
  ;[bp, shortLived] = await Promise.all([startService(), startService({ AUTH_ACCESS_TOKEN_TTL: '2' })])
})
afterAll(async () => {
  await Promise.all([bp?.close(), shortLived?.close()])
})

const count = (calls: string[], path: string) => calls.filter((call) => call === path).length

describe('the session (real server)', () => {
  it('refreshes once for many concurrent calls made with an expired token (single flight), and all of them succeed', async () => {
    const h = harness(bp)
    await signInThroughProvider(h)
    const refreshes: string[] = []
    h.client.on('refresh', ({ cause }) => refreshes.push(cause))
    // This client's clock jumps past the token's expiry (a laptop that slept); its refresh timer has not fired.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 16 * 60_000)
    try {
      const users = await Promise.all(Array.from({ length: 8 }, () => h.client.me()))
      expect(users.map((user) => user.name)).toEqual(Array(8).fill('Ada Lovelace'))
    } finally {
      vi.useRealTimers()
    }
    expect(count(h.calls, 'auth.refresh')).toBe(1)
    expect(count(h.calls, 'auth.me')).toBe(8)
    expect(refreshes).toEqual(['expired'])
    h.client.dispose()
  })

  it('two refreshes asked at the same instant are one request', async () => {
    const h = harness(bp)
    await signInThroughProvider(h)
    await Promise.all([h.client.refresh(), h.client.refresh(), h.client.getAccessToken()])
    expect(count(h.calls, 'auth.refresh')).toBe(1)
    expect(h.client.state.refreshCount).toBe(1)
    h.client.dispose()
  })

  it('refreshes ahead of expiry on its own (timer), keeping the user signed in', async () => {
    const h = harness(shortLived)
    await signInThroughProvider(h)
    await eventually(() => expect(count(h.calls, 'auth.refresh')).toBeGreaterThanOrEqual(2), 6_000)
    expect(h.client.state.status).toBe('signed-in')
    expect((await h.client.me()).name).toBe('Ada Lovelace')
    h.client.dispose()
  })

  it('restores the login from storage after a "reload": one refresh, signed in again, the old refresh token spent', async () => {
    const storage = memoryStorage()
    const first = harness(bp, { storage })
    await signInThroughProvider(first, 'Katherine Johnson')
    first.client.dispose()

    const second = harness(bp, { storage })
    expect(second.client.state.status).toBe('loading')
    await second.client.init()

    expect(second.client.state).toMatchObject({ status: 'signed-in', user: { name: 'Katherine Johnson' } })
    expect(second.calls).toEqual(['auth.refresh'])
    expect((await second.client.me()).name).toBe('Katherine Johnson')
    second.client.dispose()
  })

  it('restoring a login the server ended reports session_ended and forgets it', async () => {
    const storage = memoryStorage()
    const first = harness(bp, { storage })
    await signInThroughProvider(first)
    const { refreshToken } = JSON.parse(storage.getItem('boarding-pass:session')!) as { refreshToken: string }
    first.client.dispose()
    await fetch(`${bp.url}/trpc/auth.logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    })

    const second = harness(bp, { storage })
    const ended: string[] = []
    second.client.on('signed-out', ({ reason }) => ended.push(reason))
    await second.client.init()

    expect(second.client.state).toMatchObject({ status: 'signed-out', error: { reason: 'session_ended' } })
    expect(storage.getItem('boarding-pass:session')).toBeNull()
    expect(ended).toEqual(['session_ended'])
    second.client.dispose()
  })

  it('two clients holding one login (a duplicated tab) and talking over BroadcastChannel refresh at the same instant: one auth.refresh, both stay signed in (the lock fallback without Web Locks)', async () => {
    const storage = memoryStorage()
    const a = harness(bp, { storage, tabSync: true, storageKey: 'dup-test' })
    await signInThroughProvider(a)
    const copy = memoryStorage()
    copy.setItem('dup-test:session', storage.getItem('dup-test:session')!)
    a.client.dispose()

    // Both "reload" with the same saved login, and call at once.
    const left = harness(bp, { storage, tabSync: true, storageKey: 'dup-test' })
    const right = harness(bp, { storage: copy, tabSync: true, storageKey: 'dup-test' })
    await Promise.all([left.client.init(), right.client.init()])
    const [me1, me2] = await Promise.all([left.client.me(), right.client.me()])
    expect([me1.name, me2.name]).toEqual(['Ada Lovelace', 'Ada Lovelace'])
    expect(count(left.calls, 'auth.refresh') + count(right.calls, 'auth.refresh')).toBe(1)

    // And again, both asking at the same instant.
    await Promise.all([left.client.refresh(), right.client.refresh()])
    expect(left.client.state.status).toBe('signed-in')
    expect(right.client.state.status).toBe('signed-in')
    expect((await left.client.me()).name).toBe('Ada Lovelace')
    expect((await right.client.me()).name).toBe('Ada Lovelace')
    left.client.dispose()
    right.client.dispose()
  })

  it('sign-out in one client reaches the other holding the same login', async () => {
    const a = harness(bp, { tabSync: true, storageKey: 'shared-out' })
    await signInThroughProvider(a)
    const b = harness(bp, { tabSync: true, storageKey: 'shared-out' })
    await b.client.init()
    expect(b.client.state.status).toBe('signed-in')
    expect(b.calls).toEqual([])
    const seen: string[] = []
    b.client.on('signed-out', ({ reason }) => seen.push(reason))
    await a.client.signOut()
    await eventually(() => expect(seen).toEqual(['tab']))
    expect(b.client.state.status).toBe('signed-out')
    a.client.dispose()
    b.client.dispose()
  })
})

describe('client.fetch for the app’s own API (a real node:http server standing in for it)', () => {
  let api: Server
  let apiUrl: string
  /** Tokens the stand-in API has seen, and the first one it refuses (as an API refuses a token its keys no longer verify). */
  const seen: (string | undefined)[] = []
  let refuseFirst = true
  beforeAll(async () => {
    api = createServer((request, response) => {
      const token = request.headers.authorization
      seen.push(token)
      if (refuseFirst && seen.length === 1) {
        response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' })
        response.end(JSON.stringify({ error: 'invalid_token' }))
        return
      }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ ok: true, body: request.method }))
    })
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`
  })
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())))

  it('adds Authorization, and on a 401 invalid_token refreshes once and retries the same request (body included)', async () => {
    const h = harness(bp, { apiOrigins: [apiUrl] })
    await signInThroughProvider(h)
    const response = await h.client.fetch(`${apiUrl}/orders`, { method: 'POST', body: JSON.stringify({ item: 1 }) })
    expect(response.status).toBe(200)
    expect(seen).toHaveLength(2)
    expect(seen[0]).toMatch(/^Bearer /)
    expect(seen[1]).toMatch(/^Bearer /)
    expect(seen[1]).not.toBe(seen[0])
    expect(count(h.calls, 'auth.refresh')).toBe(1)
    h.client.dispose()
  })

  it('never sends the token to an origin outside apiOrigins (by default: the page’s and Boarding Pass’s)', async () => {
    refuseFirst = false
    seen.length = 0
    const h = harness(bp)
    await signInThroughProvider(h)
    const response = await h.client.fetch(`${apiUrl}/elsewhere`)
    expect(response.status).toBe(200)
    expect(seen).toEqual([undefined])
    // Boarding Pass's own origin is an API origin by default.
    const me = await h.client.fetch(`${bp.url}/trpc/auth.me`)
    expect(me.status).toBe(200)
    h.client.dispose()
  })

  it('sends no Authorization when signed out, and does not refresh', async () => {
    refuseFirst = false
    seen.length = 0
    const h = harness(bp)
    await h.client.init()
    const response = await h.client.fetch(`${apiUrl}/public`)
    expect(response.status).toBe(200)
    expect(seen).toEqual([undefined])
    expect(h.calls).toEqual(['/public'])
    h.client.dispose()
  })
})

import { setTimeout as sleepReal } from 'node:timers/promises'
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest'
import { leaveFor } from '../../src/auth/navigation'
import { loginAtProvider, mutate, queryWithBearer } from '../support/http'
import { lastDeparture, latest, listenAsAnotherTab, loadPage, savedSession, signInRoundTrip } from '../support/page'

// The one stand-in: happy-dom has no real page to leave for the provider.
vi.mock('../../src/auth/navigation', () => ({ leaveFor: vi.fn() }))

const apiUrl = inject('apiUrl')
const shortLivedApiUrl = inject('shortLivedApiUrl')

const pages: { close(): void }[] = []
function track<T extends { close(): void }>(page: T): T {
  pages.push(page)
  return page
}

beforeEach(() => {
  sessionStorage.clear()
  localStorage.clear()
})

afterEach(() => {
  vi.useRealTimers()
  for (const page of pages.splice(0)) page.close()
})

// Requests a closed page left in flight (a provider list, say) finish before the window goes.
afterAll(() => (window as unknown as { happyDOM: { waitUntilComplete(): Promise<void> } }).happyDOM.waitUntilComplete())

describe('auth store: starting a flow (real server)', () => {
  it('makes a Client Code, calls auth.start, keeps the Client Code under its flowId in sessionStorage and goes to the provider', async () => {
    const { auth, ready } = track(loadPage(`${apiUrl}/`))
    await ready
    await vi.waitFor(() => expect(auth.providers).toEqual([{ id: 'dev', name: 'Development sign-in' }]))

    await auth.signIn('dev')

    expect(auth.status).toBe('redirecting')
    const authorizationUrl = new URL(lastDeparture())
    expect(authorizationUrl.href.startsWith(`${apiUrl}/dev-idp/`)).toBe(true)
    const flowKeys = Object.keys(sessionStorage).filter((key) => key.startsWith('boarding-pass:flow:'))
    expect(flowKeys).toHaveLength(1)
    const flow = JSON.parse(sessionStorage.getItem(flowKeys[0]!)!) as { clientCode: string; provider: string }
    expect(flow.clientCode).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(flow.provider).toBe('dev')
    // The Client Code itself went nowhere: not in the provider URL, not in the inspector.
    expect(authorizationUrl.href).not.toContain(flow.clientCode)
    expect(JSON.stringify(auth.steps)).not.toContain(flow.clientCode)
    expect(auth.steps.map((step) => step.action)).toEqual(['createClientCodePair()', 'auth.start', 'location.assign'])
    expect(localStorage.length).toBe(0)
  })

  it('refuses an unknown provider with a typed failure whose retry reloads the list', async () => {
    const { auth, ready } = track(loadPage(`${apiUrl}/`))
    await ready
    await auth.signIn('nope')
    expect(auth.status).toBe('error')
    expect(auth.failure).toMatchObject({ code: 'unknown_provider', retry: 'reload-providers' })
    expect(auth.failure?.message).toMatch(/no longer configured/)
    await auth.retry()
    expect(auth.status).toBe('idle')
    expect(auth.failure).toBeUndefined()
  })

  it('with no service answering (a port nobody listens on): the provider list fails on its own, as network, and its retry reloads the list', async () => {
    const { auth, ready } = track(loadPage('http://127.0.0.1:9/'))
    await ready
    await vi.waitFor(() => expect(auth.providersFailure).toBeDefined())
    expect(auth.providersFailure).toMatchObject({ code: 'client:network', retry: 'reload-providers' })
    expect(auth.status).toBe('idle')
    await auth.signIn('dev')
    expect(auth.failure).toMatchObject({ code: 'client:network' })
    expect(vi.mocked(leaveFor)).not.toHaveBeenCalledWith(expect.stringContaining('127.0.0.1:9'))
  })
})

describe('auth store: back at /callback (real server, real provider login)', () => {
  it('takes the codes off the URL before any request, completes with the stored Client Code, forgets it, and keeps the access token in memory only', async () => {
    const other = listenAsAnotherTab()
    try {
      const signInPage = track(loadPage(`${apiUrl}/`))
      await signInPage.ready
      await signInPage.auth.signIn('dev')
      signInPage.close()
      const back = await loginAtProvider(lastDeparture(), { name: 'Grace Hopper', stopAt: `${apiUrl}/callback` })
      expect(back.searchParams.get('server_code')).toBeTruthy()

      const { auth, ready } = track(loadPage(back.href))
      // Synchronously, before init's first await: the URL is clean and the Client Code taken.
      expect(window.location.href).toBe(`${apiUrl}/callback`)
      expect(window.history.state).toBeNull()
      expect(Object.keys(sessionStorage).some((key) => key.startsWith('boarding-pass:flow:'))).toBe(false)
      expect(auth.status).toBe('completing')

      await ready
      expect(auth.status).toBe('signed-in')
      expect(auth.user).toMatchObject({ id: 'dev:grace-hopper', name: 'Grace Hopper', provider: 'dev' })
      expect(auth.verifiedAt).toBeTypeOf('number')
      expect(auth.steps.map((step) => [step.action, step.status])).toEqual([
        ['createClientCodePair()', 'done'],
        ['auth.start', 'done'],
        ['location.assign', 'done'],
        ['GET /callback', 'done'],
        ['auth.complete', 'done'],
        ['auth.me', 'done'],
      ])

      await vi.waitFor(() => expect(other.tokens()).toHaveLength(1))
      const { accessToken, refreshToken } = latest(other.tokens())
      const stored = JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })
      expect(stored).not.toContain(accessToken)
      expect(localStorage.length).toBe(0)
      expect(savedSession()?.refreshToken).toBe(refreshToken)
      expect(JSON.stringify(auth.steps)).not.toContain(accessToken)
      expect(JSON.stringify(auth.steps)).not.toContain(back.searchParams.get('server_code'))
    } finally {
      other.close()
    }
  })

  it('shows access_denied as a typed failure, and "try again" starts a new flow with the same provider', async () => {
    const { back, page } = await signInRoundTrip(apiUrl, { deny: true })
    track(page)
    expect(back.searchParams.get('error')).toBe('access_denied')
    await page.ready
    expect(window.location.search).toBe('')
    expect(page.auth.status).toBe('error')
    expect(page.auth.failure).toMatchObject({
      code: 'callback:access_denied',
      title: 'Sign-in was declined',
      retry: 'start-again',
    })

    const departures = vi.mocked(leaveFor).mock.calls.length
    await page.auth.retry()
    expect(page.auth.status).toBe('redirecting')
    expect(vi.mocked(leaveFor).mock.calls.length).toBe(departures + 1)
  })

  it('says flow_not_found for a callback this tab did not start, and sends nothing', async () => {
    const { auth, ready } = track(loadPage(`${apiUrl}/callback?server_code=abc&flow=somebody-elses`))
    await ready
    expect(window.location.search).toBe('')
    expect(auth.status).toBe('error')
    expect(auth.failure?.code).toBe('client:flow_not_found')
    expect(auth.steps.some((step) => step.action === 'auth.complete')).toBe(false)
  })

  it('says invalid_grant when the Server Code was already spent (a replayed callback)', async () => {
    const signInPage = track(loadPage(`${apiUrl}/`))
    await signInPage.ready
    await signInPage.auth.signIn('dev')
    const flowKey = Object.keys(sessionStorage).find((key) => key.startsWith('boarding-pass:flow:'))!
    const flowRecord = sessionStorage.getItem(flowKey)!
    const back = await loginAtProvider(lastDeparture(), { stopAt: `${apiUrl}/callback` })
    const first = track(loadPage(back.href))
    await first.ready
    expect(first.auth.status).toBe('signed-in')

    sessionStorage.clear()
    sessionStorage.setItem(flowKey, flowRecord)
    const replay = track(loadPage(back.href))
    await replay.ready
    expect(replay.auth.status).toBe('error')
    expect(replay.auth.failure).toMatchObject({ code: 'invalid_grant', retry: 'start-again' })
  })

  it('says "interrupted" when the page is reloaded while auth.complete is in flight', async () => {
    const { page } = await signInRoundTrip(apiUrl)
    track(page)
    expect(page.auth.status).toBe('completing')
    page.close() // the reload: this page is gone, its request with it
    const reloaded = track(loadPage(window.location.href))
    await reloaded.ready
    expect(reloaded.auth.status).toBe('error')
    expect(reloaded.auth.failure?.code).toBe('client:interrupted')
    await page.ready.catch(() => undefined)
  })
})

describe('auth store: keeping the session (real server)', () => {
  it('restores the login after a reload from the refresh token in sessionStorage', async () => {
    const { page } = await signInRoundTrip(apiUrl, { name: 'Ada Lovelace' })
    await page.ready
    page.close()

    const reloaded = track(loadPage(`${apiUrl}/pass`))
    expect(reloaded.auth.status).toBe('completing')
    await reloaded.ready
    expect(reloaded.auth.status).toBe('signed-in')
    expect(reloaded.auth.user?.name).toBe('Ada Lovelace')
    expect(savedSession()?.generation).toBe(1)
    await reloaded.auth.verify()
    expect(reloaded.auth.steps.at(-1)).toMatchObject({ action: 'auth.me', status: 'done' })
  })

  it('shares one refresh among parallel callers, and the login survives (no refresh token spent twice)', async () => {
    const { page } = await signInRoundTrip(apiUrl)
    track(page)
    await page.ready
    await Promise.all([page.auth.refresh(), page.auth.refresh(), page.auth.refresh()])
    expect(savedSession()?.generation).toBe(1)
    expect(page.auth.refreshCount).toBe(1)

    await Promise.all([page.auth.verify(), page.auth.verify(), page.auth.refresh()])
    expect(page.auth.status).toBe('signed-in')
    expect(page.auth.steps.filter((step) => step.action === 'auth.me').every((step) => step.status === 'done')).toBe(true)
    await page.auth.refresh()
    expect(savedSession()?.generation).toBe(3)
  })

  it('refreshes on a timer before the access token expires (2 s tokens)', async () => {
    const { page } = await signInRoundTrip(shortLivedApiUrl)
    track(page)
    await page.ready
    const firstExpiry = page.auth.expiresAt!
    expect(page.auth.lifetime).toBe(2000)
    await vi.waitFor(() => expect(page.auth.refreshCount).toBeGreaterThanOrEqual(1), { timeout: 4_000, interval: 100 })
    expect(page.auth.expiresAt!).toBeGreaterThan(firstExpiry)
    expect(page.auth.steps.some((step) => step.action === 'auth.refresh' && step.sent?.cause === 'timer')).toBe(true)
    await page.auth.verify()
    expect(page.auth.steps.at(-1)).toMatchObject({ action: 'auth.me', status: 'done' })
  })

  it('refreshes once on invalid_token and retries the call (a clock behind the server, timers asleep)', async () => {
    // The page's clock and timers stand still while real time passes: as on a laptop that slept.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] })
    const run = async <T>(promise: Promise<T>): Promise<T> => {
      let settled = false
      void promise.finally(() => (settled = true)).catch(() => undefined)
      for (let i = 0; i < 2_000 && !settled; i++) {
        await new Promise((resolve) => setImmediate(resolve)) // real I/O (the server's answers) gets a turn
        await vi.advanceTimersByTimeAsync(0) // due timers only (the lock's yield); the refresh timer never comes due
      }
      return promise
    }
    const signInPage = track(loadPage(`${shortLivedApiUrl}/`))
    await vi.advanceTimersByTimeAsync(200) // no other tab answers the hello
    await run(signInPage.ready)
    await run(signInPage.auth.signIn('dev'))
    const back = await loginAtProvider(lastDeparture(), { stopAt: `${shortLivedApiUrl}/callback` })
    const { auth, ready } = track(loadPage(back.href))
    await run(ready)
    expect(auth.status).toBe('signed-in')
    expect(auth.refreshCount).toBe(0)

    // Real time (node:timers is not faked): past the 2 s token and the server's 5 s clock tolerance; not for the page.
    await sleepReal(7_500)
    expect(auth.expiresAt! > Date.now()).toBe(true)
    await run(auth.verify())

    const refreshes = auth.steps.filter((step) => step.action === 'auth.refresh')
    expect(refreshes.map((step) => [step.sent?.cause, step.status])).toEqual([['invalid_token', 'done']])
    expect(auth.steps.filter((step) => step.action === 'auth.me').at(-1)?.status).toBe('done')
    expect(auth.refreshCount).toBe(1)
  })

  it('signs out: auth.logout, state and storage cleared, other tabs told; the refresh token and access token are dead', async () => {
    const other = listenAsAnotherTab()
    try {
      const { page } = await signInRoundTrip(apiUrl)
      track(page)
      await page.ready
      await vi.waitFor(() => expect(other.tokens()).toHaveLength(1))
      const { accessToken, refreshToken, sessionKey } = latest(other.tokens())

      await page.auth.signOut()

      expect(page.auth.status).toBe('idle')
      expect(page.auth.user).toBeUndefined()
      expect(savedSession()).toBeUndefined()
      await vi.waitFor(() => expect(other.messages).toContainEqual({ type: 'signed-out', sessionKey }))
      expect(await mutate(apiUrl, 'auth.refresh', { refreshToken })).toMatchObject({ status: 401, reason: 'invalid_grant' })
      expect(await queryWithBearer(apiUrl, 'auth.me', accessToken)).toMatchObject({ status: 401, reason: 'invalid_token' })
    } finally {
      other.close()
    }
  })

  it('ends the session with session_ended when the login was revoked elsewhere', async () => {
    const other = listenAsAnotherTab()
    try {
      const { page } = await signInRoundTrip(apiUrl)
      track(page)
      await page.ready
      await vi.waitFor(() => expect(other.tokens()).toHaveLength(1))
      await mutate(apiUrl, 'auth.logout', { refreshToken: latest(other.tokens()).refreshToken })

      await page.auth.refresh().catch(() => undefined)
      expect(page.auth.status).toBe('error')
      expect(page.auth.failure?.code).toBe('client:session_ended')
      expect(savedSession()).toBeUndefined()
    } finally {
      other.close()
    }
  })
})

describe('auth store: other tabs (real server, BroadcastChannel)', () => {
  it("adopts tokens another tab rotated, so it never spends the spent refresh token; answers a new tab's hello", async () => {
    const other = listenAsAnotherTab()
    try {
      const { page } = await signInRoundTrip(apiUrl)
      track(page)
      await page.ready
      await vi.waitFor(() => expect(other.tokens()).toHaveLength(1))
      const first = latest(other.tokens())

      // The other tab rotates the shared login and broadcasts the result.
      const rotated = await mutate(apiUrl, 'auth.refresh', { refreshToken: first.refreshToken })
      const tokens = rotated.data as { accessToken: string; refreshToken: string; expiresIn: number; user: typeof first.user }
      other.post({
        type: 'tokens',
        tokens: {
          ...first,
          generation: 1,
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          expiresAt: Date.now() + tokens.expiresIn * 1000,
        },
      })
      await vi.waitFor(() => expect(savedSession()?.refreshToken).toBe(tokens.refreshToken))

      // Had it spent the old refresh token, reuse detection would have revoked the login.
      await page.auth.refresh()
      await page.auth.verify()
      expect(page.auth.status).toBe('signed-in')
      expect(page.auth.steps.at(-1)).toMatchObject({ action: 'auth.me', status: 'done' })

      const before = other.tokens().length
      other.post({ type: 'hello' })
      await vi.waitFor(() => expect(other.tokens().length).toBe(before + 1))
      expect(latest(other.tokens()).generation).toBe(2)
    } finally {
      other.close()
    }
  })

  it('forgets the login when another tab signs it out', async () => {
    const other = listenAsAnotherTab()
    try {
      const { page } = await signInRoundTrip(apiUrl)
      track(page)
      await page.ready
      await vi.waitFor(() => expect(other.tokens()).toHaveLength(1))
      other.post({ type: 'signed-out', sessionKey: latest(other.tokens()).sessionKey })
      await vi.waitFor(() => expect(page.auth.status).toBe('idle'))
      expect(page.auth.notice).toBe('You signed out in another tab.')
      expect(savedSession()).toBeUndefined()
    } finally {
      other.close()
    }
  })

  it('a tab with no login adopts the one another tab answers its hello with', async () => {
    const other = listenAsAnotherTab()
    try {
      const { page } = await signInRoundTrip(apiUrl, { name: 'Katherine Johnson' })
      track(page)
      await page.ready
      await vi.waitFor(() => expect(other.tokens()).toHaveLength(1))
      const held = latest(other.tokens())
      page.close()
      sessionStorage.clear() // a new tab: its own, empty sessionStorage

      other.messages.length = 0
      const answer = new BroadcastChannel('boarding-pass')
      answer.onmessage = (event: MessageEvent<{ type: string }>) => {
        if (event.data.type === 'hello') answer.postMessage({ type: 'tokens', tokens: held })
      }
      try {
        const fresh = track(loadPage(`${apiUrl}/`))
        await fresh.ready
        await vi.waitFor(() => expect(fresh.auth.status).toBe('signed-in'))
        expect(fresh.auth.user?.name).toBe('Katherine Johnson')
        expect(savedSession()?.sessionKey).toBe(held.sessionKey)
      } finally {
        answer.close()
      }
    } finally {
      other.close()
    }
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BoardingPassError, memoryStorage, type FlowStep } from '@boarding-pass/client'
import type { TestInstance } from '../../../test/src/support/boarding-pass.js'
import { browserlessLogin } from '../../../test/src/support/browserless-login.js'
import { harness, signInThroughProvider, startService } from './support.js'

let bp: TestInstance
beforeAll(async () => {
  bp = await startService()
})
afterAll(() => bp?.close())

describe('the two-code flow (real server, development provider)', () => {
  it('signs in: Client Code kept per flowId, auth.start, the provider, handleCallback, auth.complete; the access token stays in memory', async () => {
    const storage = memoryStorage()
    const keys = () => Array.from({ length: storage.length! }, (_, i) => storage.key!(i)!)
    const h = harness(bp, { storage })
    const steps: FlowStep[] = []
    const signedIn: string[] = []
    h.client.on('step', (step) => steps.push(step))
    h.client.on('signed-in', ({ user, via }) => signedIn.push(`${user.name} via ${via}`))
    await h.client.init()
    expect(h.client.state.status).toBe('signed-out')
    expect(await h.client.providers()).toEqual([{ id: 'dev', name: 'Development sign-in' }])

    await h.client.signIn('dev', { returnTo: '/orders/42' })
    expect(h.client.state.status).toBe('redirecting')
    const authorizationUrl = h.departures[0]!
    expect(authorizationUrl.startsWith(`${bp.url}/dev-idp/`)).toBe(true)
    const flowKeys = keys().filter((key) => key.startsWith('boarding-pass:flow:'))
    expect(flowKeys).toHaveLength(1)
    const clientCode = (JSON.parse(storage.getItem(flowKeys[0]!)!) as { clientCode: string }).clientCode
    expect(clientCode).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(authorizationUrl).not.toContain(clientCode)

    const back = await browserlessLogin(authorizationUrl, { name: 'Grace Hopper', stopAt: h.redirectUri })
    expect(back.searchParams.get('server_code')).toBeTruthy()
    const result = await h.client.handleCallback(back.href)

    expect(result.user).toMatchObject({ provider: 'dev', name: 'Grace Hopper' })
    expect(result.returnTo).toBe('/orders/42')
    expect(h.client.state).toMatchObject({ status: 'signed-in', user: { name: 'Grace Hopper' }, error: undefined })
    expect(h.client.state.expiresAt! - Date.now()).toBeGreaterThan(60_000)
    expect(await h.client.me()).toEqual(result.user)
    expect(await h.client.getAccessToken()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(h.calls).toEqual(['auth.providers', 'auth.start', 'auth.complete', 'auth.me'])
    expect(signedIn).toEqual(['Grace Hopper via redirect'])
    // The inspector's view: each step once pending, then settled; no secret in clear.
    expect(steps.filter((s) => s.status !== 'pending').map((s) => s.action)).toEqual([
      'createClientCodePair()',
      'auth.start',
      'GET /callback',
      'auth.complete',
      'auth.me',
    ])
    const accessToken = await h.client.getAccessToken()
    expect(JSON.stringify(steps)).not.toContain(accessToken)
    expect(JSON.stringify(steps)).not.toContain(clientCode)
    // Kept across reloads: the refresh token only; the Client Code is gone, the access token never stored.
    expect(keys()).toEqual(['boarding-pass:session'])
    expect(storage.getItem('boarding-pass:session')).not.toContain(accessToken)
    expect(JSON.stringify(steps)).not.toContain(back.searchParams.get('server_code'))
    h.client.dispose()
  })

  it('keeps several flows apart: two flows started, finished in the other order, each with its own Client Code', async () => {
    const h = harness(bp)
    await h.client.init()
    const first = await h.client.startSignIn('dev')
    const second = await h.client.startSignIn('dev')
    expect(first.flowId).not.toBe(second.flowId)
    const backSecond = await browserlessLogin(second.authorizationUrl, { name: 'Second', stopAt: h.redirectUri })
    const backFirst = await browserlessLogin(first.authorizationUrl, { name: 'First', stopAt: h.redirectUri })
    expect((await h.client.handleCallback(backSecond.href)).user.name).toBe('Second')
    expect((await h.client.handleCallback(backFirst.href)).user.name).toBe('First')
    expect(h.client.state.user?.name).toBe('First')
    h.client.dispose()
  })

  it('signs out: auth.logout, the refresh token dies at the server, storage forgets the login', async () => {
    const h = harness(bp)
    await signInThroughProvider(h)
    const kept = new Map<string, string>()
    const storage = {
      getItem: (key: string) => kept.get(key) ?? null,
      setItem: (key: string, value: string) => void kept.set(key, value),
      removeItem: (key: string) => void kept.delete(key),
    }
    const g = harness(bp, { storage })
    await signInThroughProvider(g)
    const refreshToken = (JSON.parse(kept.get('boarding-pass:session')!) as { refreshToken: string }).refreshToken
    const events: string[] = []
    g.client.on('signed-out', ({ reason }) => events.push(reason))

    await g.client.signOut()

    expect(g.client.state).toMatchObject({ status: 'signed-out', user: undefined })
    expect(kept.has('boarding-pass:session')).toBe(false)
    expect(events).toEqual(['user'])
    const refused = await fetch(`${bp.url}/trpc/auth.refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    })
    expect(refused.status).toBe(401)
    expect(((await refused.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe('invalid_grant')
    await expect(g.client.getAccessToken()).rejects.toMatchObject({ reason: 'not_signed_in' })
    // The other login is untouched.
    expect((await h.client.me()).name).toBe('Ada Lovelace')
    h.client.dispose()
    g.client.dispose()
  })
})

describe('refusals surface as BoardingPassError with the contract reason', () => {
  it('unknown_provider at auth.start', async () => {
    const h = harness(bp)
    await h.client.init()
    const error = await h.client.signIn('nope').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BoardingPassError)
    expect(error).toMatchObject({ reason: 'unknown_provider', source: 'server', status: 400 })
    expect(h.client.state).toMatchObject({ status: 'signed-out', error: { reason: 'unknown_provider' } })
    expect(h.departures).toEqual([])
    // What may be logged: no stack.
    expect(JSON.stringify(error)).not.toMatch(/at .*\.ts/)
    h.client.dispose()
  })

  it('redirect_uri_not_allowed for a redirect URI outside the allow-list', async () => {
    const h = harness(bp, { redirectUri: `${bp.url}/elsewhere` })
    await expect(h.client.signIn('dev')).rejects.toMatchObject({ reason: 'redirect_uri_not_allowed', status: 400 })
    h.client.dispose()
  })

  it('invalid_grant for a Server Code that is not this flow’s (and the Client Code is spent either way)', async () => {
    const h = harness(bp)
    const started = await h.client.startSignIn('dev')
    const back = await browserlessLogin(started.authorizationUrl, { stopAt: h.redirectUri })
    back.searchParams.set('server_code', 'A'.repeat(43))
    await expect(h.client.handleCallback(back.href)).rejects.toMatchObject({
      reason: 'invalid_grant',
      source: 'server',
      status: 401,
    })
    expect(h.client.state.error?.reason).toBe('invalid_grant')
    // Used once: the same callback again finds no flow.
    await expect(h.client.handleCallback(back.href)).rejects.toMatchObject({ reason: 'flow_not_found', source: 'client' })
    h.client.dispose()
  })

  it('access_denied from the callback when the user declines at the provider', async () => {
    const h = harness(bp)
    const started = await h.client.startSignIn('dev')
    const back = await browserlessLogin(started.authorizationUrl, { deny: true, stopAt: h.redirectUri })
    expect(back.searchParams.get('error')).toBe('access_denied')
    await expect(h.client.handleCallback(back.href)).rejects.toMatchObject({ reason: 'access_denied', source: 'callback' })
    expect(h.calls).not.toContain('auth.complete')
    h.client.dispose()
  })

  it('flow_not_found for a callback this client never started', async () => {
    const other = harness(bp)
    const started = await other.client.startSignIn('dev')
    const back = await browserlessLogin(started.authorizationUrl, { stopAt: other.redirectUri })
    const h = harness(bp)
    await expect(h.client.handleCallback(back.href)).rejects.toMatchObject({ reason: 'flow_not_found' })
    expect(h.calls).toEqual([])
    other.client.dispose()
    h.client.dispose()
  })

  it('network when nothing answers', async () => {
    const h = harness(bp, { url: 'http://127.0.0.1:9' })
    await expect(h.client.providers()).rejects.toMatchObject({ reason: 'network', source: 'client' })
    h.client.dispose()
  })

  it('refuses a missing url at creation, naming the option', async () => {
    const { createBoardingPassClient } = await import('@boarding-pass/client')
    expect(() => createBoardingPassClient({ url: '' })).toThrow(/`url`/)
  })
})

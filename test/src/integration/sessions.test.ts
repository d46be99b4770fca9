import { introspectOutput, sessionsOutput, tokenResponse, type SessionsOutput, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jose } from '../support/jose.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { obtainServerCode, signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

/**
 * Contract v1.2 "Sessions": `auth.sessions`, `auth.revokeSession` and
 * `auth.logout`'s `scope`, on two instances sharing one real Redis. Every
 * revocation is made on one instance and checked on the other at once.
 */
describe('sessions (v1.2) across two instances on one Redis', () => {
  let service: Service
  let a: string
  let b: string

  beforeAll(async () => {
    service = await startService({ instances: 2 })
    a = service.instances[0]!.address
    b = service.instances[1]!.address
  })
  afterAll(() => service?.close())

  /** A user name no other test (nor another file on the shared Redis) uses. */
  const someone = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`
  const login = (name: string, userAgent?: string) =>
    userAgent ? signInAs(name, userAgent) : signIn(service.bp.url, { redirectUri: service.redirectUri, name })

  /** Signs in with a given User-Agent at auth.complete (the device that holds the tokens). */
  async function signInAs(name: string, userAgent: string): Promise<TokenResponse> {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri, name })
    const response = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
      headers: { 'user-agent': userAgent },
    })
    return tokenResponse.parse(response.body.result!.data)
  }
  const sidOf = (tokens: TokenResponse) => (jose.decodeJwt(tokens.accessToken) as { sid: string }).sid
  async function sessions(tokens: TokenResponse, at = a): Promise<SessionsOutput> {
    const response = await callProcedure(at, 'auth.sessions', { bearer: tokens.accessToken })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    return sessionsOutput.strict().parse(response.body.result!.data)
  }
  const revoke = (tokens: TokenResponse, sessionId: string, at = a) =>
    callProcedure(at, 'auth.revokeSession', { bearer: tokens.accessToken, mutation: { sessionId } })
  const logout = (tokens: TokenResponse, scope?: string, at = a) =>
    callProcedure(at, 'auth.logout', { mutation: { refreshToken: tokens.refreshToken, ...(scope ? { scope } : {}) } })
  const refresh = (refreshToken: string, at = a) => callProcedure(at, 'auth.refresh', { mutation: { refreshToken } })

  async function expectEnded(tokens: TokenResponse, at = b): Promise<void> {
    expectRefusal(await callProcedure(at, 'auth.me', { bearer: tokens.accessToken }), 'invalid_token')
    const introspected = await callProcedure(at, 'auth.introspect', { mutation: { token: tokens.accessToken } })
    expect(introspectOutput.parse(introspected.body.result!.data)).toEqual({ active: false })
    expectRefusal(await refresh(tokens.refreshToken, at), 'invalid_grant')
  }
  async function expectAlive(tokens: TokenResponse, at = b): Promise<void> {
    expect((await callProcedure(at, 'auth.me', { bearer: tokens.accessToken })).status).toBe(200)
  }

  it('auth.sessions lists every login of the user, newest first, the caller’s marked current, in the contract’s shape', async () => {
    const name = someone('Sam')
    const first = await login(name, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0')
    const second = await login(name)
    const stranger = await login(someone('Stranger'))
    const listed = await sessions(second, b)
    expect(listed.sessions.map((session) => session.id)).toEqual([sidOf(second), sidOf(first)])
    expect(listed.sessions.map((session) => session.current)).toEqual([true, false])
    const [newest, oldest] = listed.sessions
    expect(newest!.provider).toBe('acme')
    expect(oldest!.userAgent).toBe('Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0')
    for (const session of listed.sessions) {
      expect(new Date(session.createdAt).toISOString()).toBe(session.createdAt)
      expect(new Date(session.lastUsedAt).toISOString()).toBe(session.lastUsedAt)
    }
    expect((await sessions(first)).sessions.find((session) => session.current)?.id).toBe(sidOf(first))
    expect((await sessions(stranger)).sessions.map((session) => session.id)).toEqual([sidOf(stranger)])
  })

  it('auth.sessions needs a live access token: invalid_token without one', async () => {
    expectRefusal(await callProcedure(a, 'auth.sessions'), 'invalid_token')
    expectRefusal(await callProcedure(a, 'auth.sessions', { bearer: 'not.a.token' }), 'invalid_token')
  })

  it('refresh keeps the session (same id) and moves its lastUsedAt', async () => {
    const name = someone('Robin')
    const tokens = await login(name)
    const before = (await sessions(tokens)).sessions[0]!
    await new Promise((resolve) => setTimeout(resolve, 20))
    const next = tokenResponse.parse((await refresh(tokens.refreshToken, b)).body.result!.data)
    const after = (await sessions(next, a)).sessions
    expect(after).toHaveLength(1)
    expect(after[0]!.id).toBe(before.id)
    expect(after[0]!.createdAt).toBe(before.createdAt)
    expect(Date.parse(after[0]!.lastUsedAt)).toBeGreaterThan(Date.parse(before.lastUsedAt))
  })

  it('auth.revokeSession on A ends that session at once on B (refresh invalid_grant, me invalid_token, introspect inactive)', async () => {
    const name = someone('Kim')
    const laptop = await login(name)
    const phone = await login(name)
    expect((await revoke(laptop, sidOf(phone), a)).body.result?.data).toEqual({ ok: true })
    await expectEnded(phone, b)
    await expectAlive(laptop, b)
    expect((await sessions(laptop, b)).sessions.map((session) => session.id)).toEqual([sidOf(laptop)])
  })

  it('auth.revokeSession of an unknown id and of another user’s session: the same invalid_request, and nothing ends', async () => {
    const mine = await login(someone('Lee'))
    const theirs = await login(someone('Victim'))
    const unknown = await revoke(mine, 'A'.repeat(22))
    const foreign = await revoke(mine, sidOf(theirs))
    expectRefusal(unknown, 'invalid_request')
    expectRefusal(foreign, 'invalid_request')
    expect(foreign.status).toBe(unknown.status)
    expect(foreign.body).toEqual(unknown.body)
    await expectAlive(theirs, a)
    await expectAlive(theirs, b)
  })

  it('a session ended by refresh-token reuse leaves the list', async () => {
    const name = someone('Ada')
    const kept = await login(name)
    const stolen = await login(name)
    expect((await refresh(stolen.refreshToken)).status).toBe(200)
    // Replayed by another client (a thief; the same client replaying it would be reuse just the same).
    expectRefusal(
      await callProcedure(b, 'auth.refresh', {
        mutation: { refreshToken: stolen.refreshToken },
        headers: { 'user-agent': 'thief/1.0' },
      }),
      'invalid_grant',
    )
    expect((await sessions(kept, b)).sessions.map((session) => session.id)).toEqual([sidOf(kept)])
  })

  it('logout with no scope (local) ends only this session', async () => {
    const name = someone('Mo')
    const one = await login(name)
    const two = await login(name)
    expect((await logout(one, undefined, a)).body.result?.data).toEqual({ ok: true })
    await expectEnded(one, b)
    await expectAlive(two, b)
    expect((await sessions(two)).sessions.map((session) => session.id)).toEqual([sidOf(two)])
  })

  it('logout scope "others" ends every other session of the user, keeps this one, and no one else’s', async () => {
    const name = someone('Noor')
    const [one, two, three] = [await login(name), await login(name), await login(name)]
    const bystander = await login(someone('Bystander'))
    expect((await logout(two, 'others', a)).body.result?.data).toEqual({ ok: true })
    await expectEnded(one, b)
    await expectEnded(three, b)
    await expectAlive(two, b)
    await expectAlive(bystander, b)
    expect((await sessions(two, b)).sessions.map((session) => session.id)).toEqual([sidOf(two)])
  })

  it('logout scope "global" ends all of them, this one too', async () => {
    const name = someone('Uma')
    const [one, two] = [await login(name), await login(name)]
    expect((await logout(one, 'global', b)).body.result?.data).toEqual({ ok: true })
    await expectEnded(one, a)
    await expectEnded(two, a)
  })

  it('a spent refresh token speaks for no other session: logout "global" with it ends only its own login', async () => {
    const name = someone('Ola')
    const other = await login(name)
    const old = await login(name)
    expect((await refresh(old.refreshToken)).status).toBe(200)
    expect((await logout(old, 'global')).body.result?.data).toEqual({ ok: true })
    await expectAlive(other, b)
  })

  it('an unknown scope is invalid_request', async () => {
    const tokens = await login(someone('Zed'))
    expectRefusal(await logout(tokens, 'everywhere'), 'invalid_request')
    await expectAlive(tokens, b)
  })
})

import { tokenResponse, userSchema, type TokenResponse } from '@boarding-pass/shared'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jose } from '../support/jose.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

describe('refresh tokens: rotation, reuse detection, logout', () => {
  let service: Service

  beforeAll(async () => {
    service = await startService()
  })
  afterAll(() => service?.close())

  const refresh = (refreshToken: string) => callProcedure(service.bp.url, 'auth.refresh', { mutation: { refreshToken } })
  /** The same, from another client (another User-Agent): reuse is reuse whoever presents the spent token. */
  const refreshElsewhere = (refreshToken: string) =>
    callProcedure(service.bp.url, 'auth.refresh', { mutation: { refreshToken }, headers: { 'user-agent': 'another client/1.0' } })
  const logout = (refreshToken: string) => callProcedure(service.bp.url, 'auth.logout', { mutation: { refreshToken } })
  const me = (accessToken: string) => callProcedure(service.bp.url, 'auth.me', { bearer: accessToken })
  const login = () => signIn(service.bp.url, { redirectUri: service.redirectUri })

  async function rotate(tokens: TokenResponse): Promise<TokenResponse> {
    const response = await refresh(tokens.refreshToken)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    return tokenResponse.parse(response.body.result!.data)
  }

  it('rotates: a new token response for the same user, new refresh and access tokens', async () => {
    const tokens = await login()
    const next = await rotate(tokens)
    expect(next.tokenType).toBe('Bearer')
    expect(next.user).toEqual(tokens.user)
    expect(next.refreshToken).not.toBe(tokens.refreshToken)
    expect(next.accessToken).not.toBe(tokens.accessToken)
    expect(jose.decodeJwt(next.accessToken).jti).not.toBe(jose.decodeJwt(tokens.accessToken).jti)
    expect(jose.decodeJwt(next.accessToken).sub).toBe(tokens.user.id)
    expect(userSchema.parse((await me(next.accessToken)).body.result!.data)).toEqual(tokens.user)
    // A chain of rotations keeps working.
    const third = await rotate(next)
    expect((await me(third.accessToken)).status).toBe(200)
  })

  it('the refresh token given is spent: presented again (by another client) it is invalid_grant', async () => {
    const tokens = await login()
    await rotate(tokens)
    expectRefusal(await refreshElsewhere(tokens.refreshToken), 'invalid_grant')
  })

  it('reuse of a spent token revokes the whole login: the newest refresh token stops working and access tokens get invalid_token', async () => {
    const tokens = await login()
    const next = await rotate(tokens)
    expect((await me(next.accessToken)).status).toBe(200)

    expectRefusal(await refreshElsewhere(tokens.refreshToken), 'invalid_grant')

    expectRefusal(await refresh(next.refreshToken), 'invalid_grant')
    expectRefusal(await me(next.accessToken), 'invalid_token')
    expectRefusal(await me(tokens.accessToken), 'invalid_token')
  })

  it('reuse by the same client that spent it (same User-Agent, same address) revokes the login just the same', async () => {
    const tokens = await login()
    const next = await rotate(tokens)
    expect((await me(next.accessToken)).status).toBe(200)

    expectRefusal(await refresh(tokens.refreshToken), 'invalid_grant')

    expectRefusal(await refresh(next.refreshToken), 'invalid_grant')
    expectRefusal(await me(next.accessToken), 'invalid_token')
  })

  it('reuse revokes only that login: another login of the same user goes on', async () => {
    const victim = await login()
    const other = await login()
    expect(other.user.id).toBe(victim.user.id)
    await rotate(victim)
    expectRefusal(await refreshElsewhere(victim.refreshToken), 'invalid_grant')
    expect((await me(other.accessToken)).status).toBe(200)
    expect((await refresh(other.refreshToken)).status).toBe(200)
  })

  it('logout ends the login: { ok: true }, then refresh is invalid_grant and the access token invalid_token', async () => {
    const tokens = await login()
    const response = await logout(tokens.refreshToken)
    expect(response.status).toBe(200)
    expect(response.body.result?.data).toEqual({ ok: true })
    expectRefusal(await refresh(tokens.refreshToken), 'invalid_grant')
    expectRefusal(await me(tokens.accessToken), 'invalid_token')
  })

  it('logout with a spent refresh token of the login still ends it: all its refresh tokens stop working', async () => {
    const tokens = await login()
    const next = await rotate(tokens)
    expect((await logout(tokens.refreshToken)).body.result?.data).toEqual({ ok: true })
    expectRefusal(await refresh(next.refreshToken), 'invalid_grant')
    expectRefusal(await me(next.accessToken), 'invalid_token')
  })

  it('logout twice is fine: { ok: true } again', async () => {
    const tokens = await login()
    expect((await logout(tokens.refreshToken)).body.result?.data).toEqual({ ok: true })
    expect((await logout(tokens.refreshToken)).body.result?.data).toEqual({ ok: true })
  })

  it.each([
    ['garbage', 'not-a-refresh-token'],
    [
      'a well-formed token that was never issued',
      `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
    ],
  ])('logout with an unknown token (%s) answers { ok: true }', async (_why, token) => {
    const response = await logout(token)
    expect(response.status).toBe(200)
    expect(response.body.result?.data).toEqual({ ok: true })
  })

  it('logout with a forged token naming a real login (its id, another secret) does not end that login', async () => {
    const tokens = await login()
    const loginId = tokens.refreshToken.split('.')[0]!
    expect((await logout(`${loginId}.${randomBytes(32).toString('base64url')}`)).body.result?.data).toEqual({ ok: true })
    expect((await me(tokens.accessToken)).status).toBe(200)
    expect((await refresh(tokens.refreshToken)).status).toBe(200)
  })

  it.each([
    ['garbage', 'not-a-refresh-token'],
    [
      'a well-formed token that was never issued',
      `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
    ],
    ['an access token', 'ACCESS'],
  ])('refresh with %s is invalid_grant', async (_why, token) => {
    const value = token === 'ACCESS' ? (await login()).accessToken : token
    const response = await refresh(value)
    expectRefusal(response, 'invalid_grant')
    expect(JSON.stringify(response.body)).not.toContain(value)
  })

  it('a forged token naming a real login does not rotate, and does not revoke that login', async () => {
    const tokens = await login()
    const loginId = tokens.refreshToken.split('.')[0]!
    expectRefusal(await refresh(`${loginId}.${randomBytes(32).toString('base64url')}`), 'invalid_grant')
    expect((await me(tokens.accessToken)).status).toBe(200)
    expect((await refresh(tokens.refreshToken)).status).toBe(200)
  })
})

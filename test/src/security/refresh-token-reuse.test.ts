import { tokenResponse, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jose } from '../support/jose.js'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * RFC 9700 §4.14.2: refresh tokens rotate, and a spent one presented again
 * (it was copied: a thief or the victim is replaying it) revokes the whole
 * login, so the thief's copy and the victim's newer token both stop working.
 */
describe('refresh-token theft and reuse', () => {
  let service: Service
  let url: string

  beforeAll(async () => {
    service = await startAttackedService({ instances: 2 })
    url = service.bp.url
  })
  afterAll(() => service?.close())

  const refresh = (refreshToken: string, at = url) => callProcedure(at, 'auth.refresh', { mutation: { refreshToken } })
  /** The thief is another client (its own User-Agent); the same client's reuse is retried-refresh.test.ts. */
  const thiefRefresh = (refreshToken: string, at = url) =>
    callProcedure(at, 'auth.refresh', { mutation: { refreshToken }, headers: { 'user-agent': 'thief/1.0' } })
  const me = (accessToken: string, at = url) => callProcedure(at, 'auth.me', { bearer: accessToken })
  const introspect = (token: string) => callProcedure<{ active: boolean }>(url, 'auth.introspect', { mutation: { token } })

  /**
   * The login of `tokens` is over. Its access token is checked first: presenting
   * a spent refresh token again would itself revoke the login, and hide a login
   * that a race had left alive.
   */
  async function expectRevoked(tokens: TokenResponse): Promise<void> {
    for (const instance of service.instances) expectRefusal(await me(tokens.accessToken, instance.address), 'invalid_token')
    expect((await introspect(tokens.accessToken)).body.result?.data).toEqual({ active: false })
    expectRefusal(await refresh(tokens.refreshToken), 'invalid_grant')
  }

  it('rotates: a refresh spends the token given and returns a new pair', async () => {
    const first = await signIn(url, { redirectUri: service.redirectUri })
    const response = await refresh(first.refreshToken)
    expect(response.status).toBe(200)
    const second = tokenResponse.parse(response.body.result!.data)
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect(second.user).toEqual(first.user)
    expect((await me(second.accessToken)).status).toBe(200)
  })

  it('a spent refresh token presented again is invalid_grant and revokes the login (every token of it)', async () => {
    const stolen = await signIn(url, { redirectUri: service.redirectUri })
    const victimNow = tokenResponse.parse((await refresh(stolen.refreshToken)).body.result!.data)
    // The thief replays the copy it took before the victim's rotation, on the other instance.
    expectRefusal(await thiefRefresh(stolen.refreshToken, service.instances[1]!.address), 'invalid_grant')
    await expectRevoked(victimNow)
    await expectRevoked(stolen)
  })

  it('the victim replaying first (the thief already rotated) revokes the thief’s new tokens too', async () => {
    const victim = await signIn(url, { redirectUri: service.redirectUri })
    const thief = tokenResponse.parse((await thiefRefresh(victim.refreshToken, service.instances[1]!.address)).body.result!.data)
    expectRefusal(await refresh(victim.refreshToken), 'invalid_grant')
    await expectRevoked(thief)
  })

  // Concurrent uses of one refresh token across instances: test/src/integration/concurrent-redemption.test.ts.

  it('logout ends the login: its refresh tokens and access tokens stop working on every instance', async () => {
    const tokens = await signIn(url, { redirectUri: service.redirectUri })
    const out = await callProcedure(service.instances[1]!.address, 'auth.logout', {
      mutation: { refreshToken: tokens.refreshToken },
    })
    expect(out.body.result?.data).toEqual({ ok: true })
    await expectRevoked(tokens)
  })

  describe('a login id is not a credential (it is the access token’s public `sid`)', () => {
    async function victimAndSid(): Promise<{ victim: TokenResponse; sid: string }> {
      const victim = await signIn(url, { redirectUri: service.redirectUri })
      const { sid } = jose.decodeJwt(victim.accessToken) as { sid: string }
      expect(victim.refreshToken.startsWith(`${sid}.`)).toBe(true)
      return { victim, sid }
    }
    const forged = (sid: string, n = 0) => `${sid}.${'A'.repeat(42)}${n}`

    it('a refresh token forged from the victim’s sid is invalid_grant and leaves the login alive', async () => {
      const { victim, sid } = await victimAndSid()
      expectRefusal(await refresh(forged(sid)), 'invalid_grant')
      expectRefusal(await refresh(forged(sid)), 'invalid_grant')
      expect((await me(victim.accessToken)).status).toBe(200)
      expect((await refresh(victim.refreshToken)).status).toBe(200)
    })

    it('the same forged token sent many times at once does not revoke the victim’s login (no reuse is detected for a token never issued)', async () => {
      const { victim, sid } = await victimAndSid()
      for (let round = 0; round < 5; round++) {
        const token = forged(sid, round)
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => refresh(token, service.instances[i % 2]!.address)))
        for (const answer of answers) expectRefusal(answer, 'invalid_grant')
      }
      expect((await me(victim.accessToken)).status, 'the victim was signed out by forged refresh tokens').toBe(200)
      expect((await refresh(victim.refreshToken)).status).toBe(200)
    })

    it('logout with a token forged from the victim’s sid answers ok and ends nothing', async () => {
      const { victim, sid } = await victimAndSid()
      expect((await callProcedure(url, 'auth.logout', { mutation: { refreshToken: forged(sid) } })).body.result?.data).toEqual({
        ok: true,
      })
      expect((await me(victim.accessToken)).status).toBe(200)
    })
  })
})

import { tokenResponse, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure, type WireResponse } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Issue 13 item 9: a network retry sends one refresh token twice at once. It
 * used to revoke the login while the winner's answer held tokens already dead.
 * Decision: the contract stays strict (PROTOCOL.md: a spent refresh token
 * presented again revokes the whole login, whoever presents it), and no answer
 * carries tokens of a login revoked meanwhile: the request that spends the
 * token re-reads the login after minting and answers `invalid_grant` if it is
 * gone. A retry from the same client (same address, same User-Agent) is reuse
 * like any other; the client library makes one refresh at a time across tabs.
 * Checked on two instances sharing one Redis and in-process.
 */
const PHONE = 'BoardingPassTest/1.0 (retrying phone)'
const ROUNDS = 5

for (const setup of ['two instances on one Redis', 'one instance, in-process store'] as const) {
  describe(`a retried refresh (${setup})`, () => {
    let service: Service
    let at: (i: number) => string

    beforeAll(async () => {
      service =
        setup === 'two instances on one Redis'
          ? await startAttackedService({ instances: 2 })
          : await startAttackedService({ env: { REDIS_URL: undefined } })
      at = (i) => service.instances[i % service.instances.length]!.address
    })
    afterAll(() => service?.close())

    /** Always the same client: the same User-Agent, from the same (loopback) address. */
    const refresh = (refreshToken: string, i = 0) =>
      callProcedure(at(i), 'auth.refresh', { mutation: { refreshToken }, headers: { 'user-agent': PHONE } })
    const me = (accessToken: string, i = 0) => callProcedure(at(i), 'auth.me', { bearer: accessToken })
    const tokensOf = (answer: WireResponse) => {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      return tokenResponse.parse(answer.body.result!.data)
    }
    /** Nothing of the login works any more, on any instance. */
    async function expectRevoked(tokens: TokenResponse, context: string): Promise<void> {
      for (let i = 0; i < service.instances.length; i++) {
        const answer = await me(tokens.accessToken, i)
        expect(answer.status, `${context}: an access token of the login still works`).toBe(401)
        expectRefusal(answer, 'invalid_token')
      }
      expectRefusal(await refresh(tokens.refreshToken), 'invalid_grant')
    }

    it(`the same token sent twice at once by one client: at most one answer carries tokens, and those are of a login already revoked by the race, refused everywhere (${ROUNDS} rounds)`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
        const answers = await Promise.all([refresh(first.refreshToken, 0), refresh(first.refreshToken, 1)])
        const winners = answers.filter((answer) => answer.status === 200)
        expect(winners.length, `round ${round}: both uses of one refresh token were answered with tokens`).toBeLessThanOrEqual(1)
        for (const loser of answers.filter((answer) => answer.status !== 200)) expectRefusal(loser, 'invalid_grant')
        // The second use is reuse and revokes the login: whatever was answered is dead now, and so is the original.
        for (const winner of winners) await expectRevoked(tokensOf(winner), `round ${round}, the winner's tokens`)
        const meFirst = await me(first.accessToken)
        expect(meFirst.status, `round ${round}: the login survived reuse detection`).toBe(401)
        expectRefusal(meFirst, 'invalid_token')
      }
    })

    it('four at once by one client: at most one answer carries tokens, and the login is revoked', async () => {
      const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const answers = await Promise.all([0, 1, 2, 3].map((i) => refresh(first.refreshToken, i)))
      const winners = answers.filter((answer) => answer.status === 200)
      expect(winners.length).toBeLessThanOrEqual(1)
      for (const loser of answers.filter((answer) => answer.status !== 200)) expectRefusal(loser, 'invalid_grant')
      for (const winner of winners) await expectRevoked(tokensOf(winner), "the winner's tokens")
      expectRefusal(await me(first.accessToken), 'invalid_token')
    })

    it('a sequential reuse by the SAME client (same User-Agent, same address) revokes the login: the successor and its access token are refused', async () => {
      const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const second = tokensOf(await refresh(first.refreshToken))
      expect((await me(second.accessToken, 1)).status).toBe(200)
      expectRefusal(await refresh(first.refreshToken, 1), 'invalid_grant')
      await expectRevoked(second, 'after a same-client reuse')
    })

    it('a live refresh token of a login signed out meanwhile (everywhere, from another device) gets invalid_grant, never tokens', async () => {
      const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const other = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      expect(other.user.id).toBe(first.user.id)
      const out = await callProcedure(at(1), 'auth.logout', { mutation: { refreshToken: other.refreshToken, scope: 'global' } })
      expect(out.status, JSON.stringify(out.body)).toBe(200)
      expectRefusal(await refresh(first.refreshToken), 'invalid_grant')
      expectRefusal(await me(first.accessToken), 'invalid_token')
    })
  })
}

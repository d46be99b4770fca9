import { tokenResponse, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClock, type TestClock } from '../support/clock.js'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure, type WireResponse } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Issue 13 item 9: a network retry sends one refresh token twice at once. It
 * used to revoke the login, and the winner's answer held tokens already dead.
 * Now the same refresh token presented again by the same client (address and
 * User-Agent) within 10 s gets the SAME successor refresh token (and a fresh
 * access token of the same live login); from another client it is reuse and
 * revokes the login as before. Checked on two instances sharing one Redis and
 * in-process.
 */
const PHONE = 'BoardingPassTest/1.0 (retrying phone)'
const THIEF = 'curl/8.5.0'

for (const setup of ['two instances on one Redis', 'one instance, in-process store'] as const) {
  describe(`a retried refresh (${setup})`, () => {
    let service: Service
    let at: (i: number) => string
    const clock: TestClock = createClock()

    beforeAll(async () => {
      service =
        setup === 'two instances on one Redis'
          ? await startAttackedService({ instances: 2, options: { now: clock.now } })
          : await startAttackedService({ env: { REDIS_URL: undefined }, options: { now: clock.now } })
      at = (i) => service.instances[i % service.instances.length]!.address
    })
    afterAll(() => service?.close())

    const refresh = (refreshToken: string, i = 0, userAgent = PHONE) =>
      callProcedure(at(i), 'auth.refresh', { mutation: { refreshToken }, headers: { 'user-agent': userAgent } })
    const me = (accessToken: string, i = 0) => callProcedure(at(i), 'auth.me', { bearer: accessToken })
    const tokensOf = (answer: WireResponse) => {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      return tokenResponse.parse(answer.body.result!.data)
    }
    async function expectWorks(tokens: TokenResponse): Promise<void> {
      for (let i = 0; i < service.instances.length; i++) expect((await me(tokens.accessToken, i)).status).toBe(200)
    }

    it('the same token sent twice at once by one client: both answered, with the same successor, and the login lives on', async () => {
      const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const answers = await Promise.all([refresh(first.refreshToken, 0), refresh(first.refreshToken, 1)])
      const [one, two] = answers.map(tokensOf)
      expect(one!.refreshToken).toBe(two!.refreshToken)
      await expectWorks(one!)
      await expectWorks(two!)
      const next = tokensOf(await refresh(one!.refreshToken, 1))
      await expectWorks(next)
    })

    it('four at once (a client retrying hard): all four get that one successor', async () => {
      const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const answers = (await Promise.all([0, 1, 2, 3].map((i) => refresh(first.refreshToken, i)))).map(tokensOf)
      expect(new Set(answers.map((answer) => answer.refreshToken)).size).toBe(1)
      await expectWorks(tokensOf(await refresh(answers[0]!.refreshToken)))
    })

    it('the spent token from another client (another User-Agent) is still reuse: invalid_grant, and the login is revoked', async () => {
      const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const victim = tokensOf(await refresh(first.refreshToken))
      expectRefusal(await refresh(first.refreshToken, 1, THIEF), 'invalid_grant')
      expectRefusal(await me(victim.accessToken), 'invalid_token')
      expectRefusal(await refresh(victim.refreshToken), 'invalid_grant')
    })

    it('the same client presenting the spent token after the 10 s window: reuse, the login is revoked', async () => {
      const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const second = tokensOf(await refresh(first.refreshToken))
      clock.advance(10_500)
      expectRefusal(await refresh(first.refreshToken, 1), 'invalid_grant')
      expectRefusal(await me(second.accessToken), 'invalid_token')
    })

    it('a retry arriving after the successor was itself used is reuse: the login is revoked', async () => {
      const first = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const second = tokensOf(await refresh(first.refreshToken))
      const third = tokensOf(await refresh(second.refreshToken))
      expectRefusal(await refresh(first.refreshToken), 'invalid_grant')
      expectRefusal(await me(third.accessToken), 'invalid_token')
    })
  })
}

import { tokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { obtainServerCode, signIn } from '../support/sign-in.js'
import { callProcedure, type WireResponse } from '../support/trpc-http.js'

const N = 20

describe('concurrent redemption across two instances sharing Redis', () => {
  let service: Service

  beforeAll(async () => {
    service = await startService({ instances: 2 })
  })
  afterAll(() => service?.close())

  /** Sends `call` N times at once, alternating between the two instances. */
  async function race(call: (address: string) => Promise<WireResponse>): Promise<WireResponse[]> {
    const [a, b] = service.instances as [(typeof service.instances)[0], (typeof service.instances)[0]]
    return Promise.all(Array.from({ length: N }, (_, i) => call(i % 2 === 0 ? a.address : b.address)))
  }

  it.each([1, 2, 3])(
    `the same pair sent ${N} times at once, half to each instance: exactly one 200, the rest invalid_grant (round %i)`,
    async () => {
      const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
      const input = { clientCode: flow.pair.clientCode, serverCode }
      const responses = await race((address) => callProcedure(address, 'auth.complete', { mutation: input }))

      const winners = responses.filter((response) => response.status === 200)
      expect(winners).toHaveLength(1)
      tokenResponse.parse(winners[0]!.body.result!.data)
      for (const loser of responses.filter((response) => response.status !== 200)) expectRefusal(loser, 'invalid_grant')
    },
  )

  it(`one refresh token sent ${N} times at once by one client (a retry storm), half to each instance: at most one answer carries tokens, and the reuse ends the login (3 rounds)`, async () => {
    for (let round = 0; round < 3; round++) {
      const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      const responses = await race((address) =>
        callProcedure(address, 'auth.refresh', { mutation: { refreshToken: tokens.refreshToken } }),
      )
      // The same client's retries are reuse too (PROTOCOL.md; the client library refreshes one at a time).
      const winners = responses.filter((response) => response.status === 200)
      expect(winners.length, `round ${round}`).toBeLessThanOrEqual(1)
      for (const loser of responses.filter((response) => response.status !== 200)) expectRefusal(loser, 'invalid_grant')
      expectRefusal(await callProcedure(service.bp.url, 'auth.me', { bearer: tokens.accessToken }), 'invalid_token')
      for (const winner of winners) {
        const next = tokenResponse.parse(winner.body.result!.data)
        expectRefusal(
          await callProcedure(service.bp.url, 'auth.refresh', { mutation: { refreshToken: next.refreshToken } }),
          'invalid_grant',
        )
        expectRefusal(await callProcedure(service.bp.url, 'auth.me', { bearer: next.accessToken }), 'invalid_token')
      }
    }
  })

  it(`one refresh token sent ${N} times at once by ${N} different clients, half to each instance: at most one rotation, and the reuse ends the login (5 rounds)`, async () => {
    for (let round = 0; round < 5; round++) {
      const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      let client = 0
      const responses = await race((address) =>
        callProcedure(address, 'auth.refresh', {
          mutation: { refreshToken: tokens.refreshToken },
          headers: { 'user-agent': `client ${client++}` },
        }),
      )
      // The token is spent by exactly one of them; every other use is a reuse, which revokes the login. Whether the
      // one that spent it got its answer out before the revocation is a race, so: at most one 200.
      const winners = responses.filter((response) => response.status === 200)
      expect(winners.length).toBeLessThanOrEqual(1)
      for (const loser of responses.filter((response) => response.status !== 200)) expectRefusal(loser, 'invalid_grant')
      // Either way the login is over: nothing of it works any more.
      const me = await callProcedure(service.bp.url, 'auth.me', { bearer: tokens.accessToken })
      expect(me.status, `round ${round}: the login survived reuse detection`).toBe(401)
      expectRefusal(me, 'invalid_token')
      for (const winner of winners) {
        const next = tokenResponse.parse(winner.body.result!.data)
        const refresh = await callProcedure(service.bp.url, 'auth.refresh', { mutation: { refreshToken: next.refreshToken } })
        expectRefusal(refresh, 'invalid_grant')
        expectRefusal(await callProcedure(service.bp.url, 'auth.me', { bearer: next.accessToken }), 'invalid_token')
      }
    }
  })
})

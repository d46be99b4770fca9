import { tokenResponse, userSchema } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { obtainServerCode } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

describe('replay: a Server Code is redeemable once', () => {
  let service: Service

  beforeAll(async () => {
    service = await startService()
  })
  afterAll(() => service?.close())

  it('the same pair redeemed twice: the first boards, the second is invalid_grant', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const input = { clientCode: flow.pair.clientCode, serverCode }

    const first = await callProcedure(service.bp.url, 'auth.complete', { mutation: input })
    expect(first.status).toBe(200)
    const tokens = tokenResponse.parse(first.body.result!.data)

    const second = await callProcedure(service.bp.url, 'auth.complete', { mutation: input })
    expectRefusal(second, 'invalid_grant')
    expect(JSON.stringify(second.body)).not.toContain(tokens.refreshToken)

    // The replay gives the attacker nothing, and the first login goes on.
    const me = await callProcedure(service.bp.url, 'auth.me', { bearer: tokens.accessToken })
    expect(userSchema.parse(me.body.result!.data)).toEqual(tokens.user)
  })

  it('a redeemed Server Code stays spent on later attempts too', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const input = { clientCode: flow.pair.clientCode, serverCode }
    expect((await callProcedure(service.bp.url, 'auth.complete', { mutation: input })).status).toBe(200)
    for (let attempt = 0; attempt < 3; attempt++) {
      expectRefusal(await callProcedure(service.bp.url, 'auth.complete', { mutation: input }), 'invalid_grant')
    }
  })
})

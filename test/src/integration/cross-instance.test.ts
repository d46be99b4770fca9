import { tokenResponse, userSchema } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jose } from '../support/jose.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback, signIn } from '../support/sign-in.js'
import type { TestInstance } from '../support/boarding-pass.js'
import { callProcedure } from '../support/trpc-http.js'

describe('instances that share REDIS_URL (and PUBLIC_URL) are one service', () => {
  let service: Service
  let a: TestInstance
  let b: TestInstance

  beforeAll(async () => {
    service = await startService({ instances: 2 })
    ;[a, b] = service.instances as [TestInstance, TestInstance]
  })
  afterAll(() => service?.close())

  it('runs two separate instances with one issuer', () => {
    expect(a.address).not.toBe(b.address)
    expect(a.url).toBe(service.publicUrl)
    expect(b.url).toBe(service.publicUrl)
  })

  it('a flow started on A is finished by B: callback on B, auth.complete on B', async () => {
    const flow = await beginFlow(a.address, { redirectUri: service.redirectUri })
    const callback = await loginAtProvider(flow, service.publicUrl, { name: 'Grace Hopper' })
    expect(callback.searchParams.get('state')).toBe(flow.flowId)

    const redirect = await sendCallback(b.address, callback)
    expect(redirect.status).toBe(302)
    const back = new URL(redirect.headers.get('location')!)
    expect(`${back.origin}${back.pathname}`).toBe(service.redirectUri)
    expect(back.searchParams.get('flow')).toBe(flow.flowId)
    const serverCode = back.searchParams.get('server_code')!
    expect(serverCode).toBeTruthy()

    const complete = await callProcedure(b.address, 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
    })
    expect(complete.status).toBe(200)
    expect(tokenResponse.parse(complete.body.result!.data).user).toMatchObject({ id: 'acme:grace-hopper', name: 'Grace Hopper' })
  })

  it('a Server Code made on A is redeemed on B, and is then spent on A too', async () => {
    const flow = await beginFlow(a.address, { redirectUri: service.redirectUri })
    const redirect = await sendCallback(a.address, await loginAtProvider(flow, service.publicUrl))
    const serverCode = new URL(redirect.headers.get('location')!).searchParams.get('server_code')!
    const input = { clientCode: flow.pair.clientCode, serverCode }
    expect((await callProcedure(b.address, 'auth.complete', { mutation: input })).status).toBe(200)
    expectRefusal(await callProcedure(a.address, 'auth.complete', { mutation: input }), 'invalid_grant')
  })

  it('an access token minted by A verifies on B (and on A), and B publishes its key', async () => {
    const tokens = await signIn(a.address, { redirectUri: service.redirectUri })
    for (const instance of [b, a]) {
      const me = await callProcedure(instance.address, 'auth.me', { bearer: tokens.accessToken })
      expect(me.status).toBe(200)
      expect(userSchema.parse(me.body.result!.data)).toEqual(tokens.user)
    }
    const { kid } = jose.decodeProtectedHeader(tokens.accessToken)
    const jwks = (await (await fetch(`${b.address}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((key) => key.kid)).toContain(kid)
  })

  it('a refresh token from A rotates on B; the spent one presented to A is refused and ends the login everywhere', async () => {
    const tokens = await signIn(a.address, { redirectUri: service.redirectUri })
    const rotated = await callProcedure(b.address, 'auth.refresh', { mutation: { refreshToken: tokens.refreshToken } })
    expect(rotated.status).toBe(200)
    const next = tokenResponse.parse(rotated.body.result!.data)
    expect(next.refreshToken).not.toBe(tokens.refreshToken)
    expect(next.user).toEqual(tokens.user)
    expect((await callProcedure(a.address, 'auth.me', { bearer: next.accessToken })).status).toBe(200)

    expectRefusal(
      // By another client (a thief; the same client replaying it would be reuse just the same).
      await callProcedure(a.address, 'auth.refresh', {
        mutation: { refreshToken: tokens.refreshToken },
        headers: { 'user-agent': 'another client/1.0' },
      }),
      'invalid_grant',
    )
    expectRefusal(
      await callProcedure(b.address, 'auth.refresh', { mutation: { refreshToken: next.refreshToken } }),
      'invalid_grant',
    )
    expectRefusal(await callProcedure(b.address, 'auth.me', { bearer: next.accessToken }), 'invalid_token')
  })

  it('logout on B ends a login made on A: its access token is refused on A', async () => {
    const tokens = await signIn(a.address, { redirectUri: service.redirectUri })
    const logout = await callProcedure(b.address, 'auth.logout', { mutation: { refreshToken: tokens.refreshToken } })
    expect(logout.body.result?.data).toEqual({ ok: true })
    expectRefusal(await callProcedure(a.address, 'auth.me', { bearer: tokens.accessToken }), 'invalid_token')
    expectRefusal(
      // By another client (a thief; the same client replaying it would be reuse just the same).
      await callProcedure(a.address, 'auth.refresh', {
        mutation: { refreshToken: tokens.refreshToken },
        headers: { 'user-agent': 'another client/1.0' },
      }),
      'invalid_grant',
    )
  })
})

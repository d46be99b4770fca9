import { tokenResponse, userSchema } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { beginFlow, obtainServerCode } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

describe.each([
  ['the in-process store (no REDIS_URL)', () => undefined],
  ['Redis', () => inject('redisUrl')],
])('a scripted login through the built-in development provider (no AUTH_PROVIDERS), with %s', (_store, redisUrl) => {
  let bp: TestInstance
  let redirectUri: string

  beforeAll(async () => {
    bp = await startBoardingPass({ REDIS_URL: redisUrl(), AUTH_RATE_LIMITS: 'off' })
    redirectUri = `${bp.url}/callback`
  })
  afterAll(() => bp?.close())

  const signInAs = async (name: string) => {
    const { flow, serverCode } = await obtainServerCode(bp.url, { provider: 'dev', redirectUri, name })
    const response = await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: flow.pair.clientCode, serverCode } })
    expect(response.status).toBe(200)
    return tokenResponse.parse(response.body.result!.data)
  }

  it('offers exactly the provider "dev"', async () => {
    const providers = await callProcedure(bp.url, 'auth.providers')
    expect(providers.status).toBe(200)
    expect(providers.body.result?.data).toEqual([{ id: 'dev', name: expect.any(String) }])
  })

  it('start → the provider’s login form → callback → complete → me', async () => {
    const flow = await beginFlow(bp.url, { provider: 'dev', redirectUri })
    expect(flow.authorizationUrl.startsWith(`${bp.url}/`)).toBe(true)
    const back = await browserlessLogin(flow.authorizationUrl, { name: 'Grace Hopper', stopAt: redirectUri })
    expect(back.searchParams.get('flow')).toBe(flow.flowId)
    const serverCode = back.searchParams.get('server_code')!

    const complete = await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: flow.pair.clientCode, serverCode } })
    expect(complete.status).toBe(200)
    const tokens = tokenResponse.parse(complete.body.result!.data)
    expect(tokens.tokenType).toBe('Bearer')
    expect(tokens.user).toEqual({
      id: 'dev:grace-hopper',
      provider: 'dev',
      name: 'Grace Hopper',
      email: 'grace-hopper@example.test',
    })

    const me = await callProcedure(bp.url, 'auth.me', { bearer: tokens.accessToken })
    expect(userSchema.parse(me.body.result!.data)).toEqual(tokens.user)
  })

  it('the same account gets the same user id on every login; another account another id', async () => {
    const first = await signInAs('Katherine Johnson')
    const again = await signInAs('Katherine Johnson')
    const other = await signInAs('Dorothy Vaughan')
    expect(again.user.id).toBe(first.user.id)
    expect(other.user.id).not.toBe(first.user.id)
  })

  it('Deny at the provider → redirectUri?error=access_denied&flow=…', async () => {
    const flow = await beginFlow(bp.url, { provider: 'dev', redirectUri })
    const back = await browserlessLogin(flow.authorizationUrl, { deny: true, stopAt: redirectUri })
    expect(back.searchParams.get('error')).toBe('access_denied')
    expect(back.searchParams.get('flow')).toBe(flow.flowId)
    expect(back.searchParams.has('server_code')).toBe(false)
  })
})

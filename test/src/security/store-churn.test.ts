import { tokenResponse, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { obtainServerCode, signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Issue 13 item 4, over HTTP with the in-process store: churn by one user
 * (hundreds of refreshes, each leaving a spent marker) never signs another
 * out, the signing keys stay, and when logins cannot fit a new one is refused
 * loudly (`store_unavailable`, a warning in the log) instead of evicting
 * someone. The bound is injected small (AUTH_MAX_LOGINS=20) to keep it fast;
 * `server/src/store/memory-bounds.test.ts` runs the real default (104,000).
 */
const MAX_LOGINS = 20

describe('in-process store under churn (AUTH_MAX_LOGINS=20)', () => {
  let service: Service
  let url: string
  let victim: TokenResponse

  beforeAll(async () => {
    service = await startAttackedService({ env: { REDIS_URL: undefined, AUTH_MAX_LOGINS: String(MAX_LOGINS) } })
    url = service.bp.url
    victim = await signIn(url, { redirectUri: service.redirectUri, name: 'Victim' })
  })
  afterAll(() => service?.close())

  const refresh = (refreshToken: string) => callProcedure(url, 'auth.refresh', { mutation: { refreshToken } })
  const me = (accessToken: string) => callProcedure(url, 'auth.me', { bearer: accessToken })
  const jwks = async () => (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }

  it('600 refreshes by one user (30× the login bound in spent markers) sign no one else out, and the keys stay', async () => {
    const keysBefore = await jwks()
    let churner = await signIn(url, { redirectUri: service.redirectUri, name: 'Churner' })
    for (let i = 0; i < 600; i++) {
      const answer = await refresh(churner.refreshToken)
      expect(answer.status, `refresh ${i}: ${JSON.stringify(answer.body)}`).toBe(200)
      churner = tokenResponse.parse(answer.body.result!.data)
    }
    expect((await me(victim.accessToken)).status).toBe(200)
    const next = await refresh(victim.refreshToken)
    expect(next.status).toBe(200)
    victim = tokenResponse.parse(next.body.result!.data)
    expect(await jwks()).toEqual(keysBefore)
  })

  it('when logins cannot fit, a new one is refused with store_unavailable (and a warning), and no one is signed out', async () => {
    const opened: TokenResponse[] = []
    // Two logins exist (the victim's, the churner's): fill the rest.
    for (let i = 2; i < MAX_LOGINS; i++) opened.push(await signIn(url, { redirectUri: service.redirectUri, name: `Filler ${i}` }))
    const { flow, serverCode } = await obtainServerCode(url, { redirectUri: service.redirectUri, name: 'One Too Many' })
    const refused = await callProcedure(url, 'auth.complete', { mutation: { clientCode: flow.pair.clientCode, serverCode } })
    expectRefusal(refused, 'store_unavailable')
    expect(refused.status).toBe(503)
    expect(service.bp.logs.some((line) => line.includes('login refused: the in-process store is full'))).toBe(true)
    expect((await me(victim.accessToken)).status).toBe(200)
    for (const tokens of opened) expect((await me(tokens.accessToken)).status).toBe(200)

    // A logout makes room again.
    await callProcedure(url, 'auth.logout', { mutation: { refreshToken: opened[0]!.refreshToken } })
    await signIn(url, { redirectUri: service.redirectUri, name: 'Next In Line' })
  })
})

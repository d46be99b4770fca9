import { generateClientCode } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Login CSRF at the callback (RFC 9700 §4.7, RFC 6749 §10.12): the attacker
 * logs in with their own account, stops before the callback, and makes the
 * victim's browser open it, hoping the victim's app signs the victim in as the
 * attacker. The Server Code this mints is bound to the attacker's Client Code,
 * which stays on the attacker's machine: the victim's app cannot complete it,
 * and trying spends it.
 */
describe('login CSRF: a callback from the attacker’s login, opened by the victim', () => {
  let service: Service

  beforeAll(async () => {
    service = await startAttackedService()
  })
  afterAll(() => service?.close())

  /** The attacker's flow, logged in at the provider as Mallory: the callback URL to plant, and their Client Code. */
  async function attackerCallback() {
    const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const callbackUrl = await loginAtProvider(flow, service.publicUrl, { name: 'Mallory' })
    return { flow, callbackUrl }
  }

  /** The victim's browser opening the planted URL: where it is sent, and the Server Code it carries. */
  async function victimOpens(callbackUrl: URL) {
    const response = await sendCallback(service.bp.address, callbackUrl)
    expect(response.status).toBe(302)
    const landing = new URL(response.headers.get('location')!)
    return { landing, serverCode: landing.searchParams.get('server_code')! }
  }

  it('the victim’s app, with its own pending flow, cannot complete it: invalid_grant, and the code is spent', async () => {
    const victimFlow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const { flow: attackerFlow, callbackUrl } = await attackerCallback()
    const { landing, serverCode } = await victimOpens(callbackUrl)
    // The landing names the attacker's flow, not the one the victim's app is waiting for.
    expect(landing.searchParams.get('flow')).toBe(attackerFlow.flowId)
    expect(landing.searchParams.get('flow')).not.toBe(victimFlow.flowId)

    const complete = (clientCode: string) =>
      callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode, serverCode } })
    expectRefusal(await complete(victimFlow.pair.clientCode), 'invalid_grant')
    // Spent: not even the attacker can use it now, so the victim is never signed in as Mallory.
    expectRefusal(await complete(attackerFlow.pair.clientCode), 'invalid_grant')
  })

  it('the victim’s app with no flow at all, trying any Client Code: every attempt invalid_grant', async () => {
    for (let i = 0; i < 4; i++) {
      const { callbackUrl } = await attackerCallback()
      const { serverCode } = await victimOpens(callbackUrl)
      const answer = await callProcedure(service.bp.url, 'auth.complete', {
        mutation: { clientCode: generateClientCode(), serverCode },
      })
      expectRefusal(answer, 'invalid_grant')
    }
  })

  it('the planted URL works once: a second victim (or a reload) gets the 400 page, not a second code', async () => {
    const { callbackUrl } = await attackerCallback()
    await victimOpens(callbackUrl)
    const again = await sendCallback(service.bp.address, callbackUrl)
    expect(again.status).toBe(400)
    expect(again.headers.get('location')).toBeNull()
  })

  it('the attacker planting the app’s landing URL (after their own callback) gains nothing either', async () => {
    const victimFlow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const { callbackUrl } = await attackerCallback()
    const { serverCode } = await victimOpens(callbackUrl)
    const answer = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: victimFlow.pair.clientCode, serverCode },
    })
    expectRefusal(answer, 'invalid_grant')
    // The victim's own flow is untouched and still completes normally.
    const own = await sendCallback(service.bp.address, await loginAtProvider(victimFlow, service.publicUrl, { name: 'Victim' }))
    const ownCode = new URL(own.headers.get('location')!).searchParams.get('server_code')!
    const signedIn = await callProcedure<{ user: { name?: string } }>(service.bp.url, 'auth.complete', {
      mutation: { clientCode: victimFlow.pair.clientCode, serverCode: ownCode },
    })
    expect(signedIn.body.result?.data.user.name).toBe('Victim')
  })
})

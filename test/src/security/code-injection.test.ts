import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback } from '../support/sign-in.js'
import { startAttackedService } from './harness/service.js'

/**
 * Authorization code injection (RFC 9700 §4.5): an attacker who got hold of a
 * provider authorization code (their own, or one stolen from another flow)
 * injects it into a callback of a flow they started or the victim started.
 * The provider leg is bound to its flow by the broker's own PKCE verifier
 * (and state and nonce), so the provider refuses the code: the callback ends
 * in `error=`, never a Server Code.
 */
describe('code injection at the callback', () => {
  let service: Service

  beforeAll(async () => {
    service = await startAttackedService()
  })
  afterAll(() => service?.close())

  async function loggedIn(name: string) {
    const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    return { flow, callbackUrl: await loginAtProvider(flow, service.publicUrl, { name }) }
  }

  function expectNoServerCode(response: Response, flowId: string): URLSearchParams {
    expect(response.status).toBe(302)
    const params = new URL(response.headers.get('location')!).searchParams
    expect(params.get('server_code')).toBeNull()
    expect(params.get('flow')).toBe(flowId)
    expect(['provider_error', 'invalid_request']).toContain(params.get('error'))
    return params
  }

  it('the victim’s provider code injected into the attacker’s flow: the provider refuses it (PKCE), no Server Code', async () => {
    const victim = await loggedIn('Victim')
    const attacker = await loggedIn('Mallory')
    const injected = new URL(attacker.callbackUrl)
    injected.searchParams.set('code', victim.callbackUrl.searchParams.get('code')!)
    const params = expectNoServerCode(await sendCallback(service.bp.address, injected), attacker.flow.flowId)
    expect(params.get('error')).toBe('provider_error')
  })

  it('the attacker’s provider code injected into the victim’s flow: refused, and that flow is spent', async () => {
    const victim = await loggedIn('Victim')
    const attacker = await loggedIn('Mallory')
    const injected = new URL(victim.callbackUrl)
    injected.searchParams.set('code', attacker.callbackUrl.searchParams.get('code')!)
    expectNoServerCode(await sendCallback(service.bp.address, injected), victim.flow.flowId)
    // The genuine callback afterwards finds no flow: a flow's callback is processed once.
    const genuine = await sendCallback(service.bp.address, victim.callbackUrl)
    expect(genuine.status).toBe(400)
    expect(genuine.headers.get('location')).toBeNull()
  })

  it('a made-up provider code: refused by the provider, no Server Code', async () => {
    const { flow, callbackUrl } = await loggedIn('Ada')
    callbackUrl.searchParams.set('code', 'made-up-code-0123456789abcdefghijklmnop')
    expectNoServerCode(await sendCallback(service.bp.address, callbackUrl), flow.flowId)
  })

  it('a callback without a code at all: error=, no Server Code', async () => {
    const { flow, callbackUrl } = await loggedIn('Ada')
    callbackUrl.searchParams.delete('code')
    expectNoServerCode(await sendCallback(service.bp.address, callbackUrl), flow.flowId)
  })

  it('a stolen provider code with a state the broker never issued: the 400 page, no redirect', async () => {
    const victim = await loggedIn('Victim')
    const forged = new URL(victim.callbackUrl)
    forged.searchParams.set('state', 'a-state-of-the-attackers-own-making')
    const response = await sendCallback(service.bp.address, forged)
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
  })
})

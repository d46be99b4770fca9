import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { freePort } from '../support/ports.js'
import { beginFlow, loginAtProvider, sendCallback } from '../support/sign-in.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from '../support/third-party-provider.js'
import { untilSigning } from './harness/service.js'

/**
 * Mix-up (RFC 9700 §4.4, RFC 9207): with several providers, an authorization
 * response must come from the provider the flow was sent to. Both providers
 * here are real `oidc-provider`s that send `iss` in the authorization response
 * (and say so in their metadata); the broker checks it against the flow's own
 * provider, and then redeems the code only there.
 */
describe('provider mix-up', () => {
  let acme: ThirdPartyProvider
  let other: ThirdPartyProvider
  let bp: TestInstance
  let publicUrl: string
  const redirectUri = 'https://app.example/callback'

  beforeAll(async () => {
    const port = await freePort()
    publicUrl = `http://localhost:${port}`
    const callback = [`${publicUrl}/auth/callback`]
    acme = await startThirdPartyProvider({ redirectUris: callback })
    other = await startThirdPartyProvider({ redirectUris: callback })
    bp = await startBoardingPass(
      {
        REDIS_URL: inject('redisUrl'),
        PUBLIC_URL: publicUrl,
        AUTH_RATE_LIMITS: 'off',
        AUTH_REDIRECT_URIS: redirectUri,
        AUTH_PROVIDERS: 'acme,other',
        AUTH_ACME_ISSUER: acme.issuer,
        AUTH_ACME_ID: acme.clientId,
        AUTH_ACME_SECRET: acme.clientSecret,
        AUTH_OTHER_ISSUER: other.issuer,
        AUTH_OTHER_ID: other.clientId,
        AUTH_OTHER_SECRET: other.clientSecret,
      },
      port,
    )
    await untilSigning(bp)
  })
  afterAll(async () => {
    await bp?.close()
    await acme?.close()
    await other?.close()
  })

  async function loggedIn(provider: 'acme' | 'other') {
    const flow = await beginFlow(bp.url, { redirectUri, provider })
    const callbackUrl = await loginAtProvider(flow, publicUrl)
    expect(callbackUrl.searchParams.get('iss')).toBe(provider === 'acme' ? acme.issuer : other.issuer)
    return { flow, callbackUrl }
  }

  async function expectRefused(callbackUrl: URL, flowId: string, error?: string): Promise<void> {
    const response = await sendCallback(bp.address, callbackUrl)
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location')!)
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri)
    expect(location.searchParams.get('server_code')).toBeNull()
    expect(location.searchParams.get('flow')).toBe(flowId)
    if (error) expect(location.searchParams.get('error')).toBe(error)
    else expect(['invalid_request', 'provider_error']).toContain(location.searchParams.get('error'))
  }

  it('the genuine callbacks of both providers are accepted (the control)', async () => {
    for (const provider of ['acme', 'other'] as const) {
      const { callbackUrl } = await loggedIn(provider)
      const response = await sendCallback(bp.address, callbackUrl)
      expect(new URL(response.headers.get('location')!).searchParams.get('server_code')).toBeTruthy()
    }
  })

  it('an `iss` tampered to an unknown issuer: refused as invalid_request', async () => {
    const { flow, callbackUrl } = await loggedIn('acme')
    callbackUrl.searchParams.set('iss', 'https://evil.example/oidc')
    await expectRefused(callbackUrl, flow.flowId, 'invalid_request')
  })

  it('an `iss` of the other configured provider: refused as invalid_request', async () => {
    const { flow, callbackUrl } = await loggedIn('acme')
    callbackUrl.searchParams.set('iss', other.issuer)
    await expectRefused(callbackUrl, flow.flowId, 'invalid_request')
  })

  it('`iss` removed, from a provider that says it sends it: refused as invalid_request', async () => {
    const { flow, callbackUrl } = await loggedIn('acme')
    callbackUrl.searchParams.delete('iss')
    await expectRefused(callbackUrl, flow.flowId, 'invalid_request')
  })

  it('`iss` given twice (the right one second): refused', async () => {
    const { flow, callbackUrl } = await loggedIn('acme')
    const issuer = callbackUrl.searchParams.get('iss')!
    callbackUrl.searchParams.delete('iss')
    callbackUrl.searchParams.append('iss', 'https://evil.example/oidc')
    callbackUrl.searchParams.append('iss', issuer)
    await expectRefused(callbackUrl, flow.flowId)
  })

  it('acme’s response (code and iss) delivered to a flow sent to `other`: refused, no Server Code', async () => {
    const sentToOther = await beginFlow(bp.url, { redirectUri, provider: 'other' })
    const fromAcme = await loggedIn('acme')
    const mixed = new URL(fromAcme.callbackUrl)
    mixed.searchParams.set('state', sentToOther.flowId)
    await expectRefused(mixed, sentToOther.flowId, 'invalid_request')
  })

  it('acme’s code with `other`’s iss, delivered to a flow sent to `other`: `other` refuses the code', async () => {
    const sentToOther = await beginFlow(bp.url, { redirectUri, provider: 'other' })
    const fromAcme = await loggedIn('acme')
    const mixed = new URL(fromAcme.callbackUrl)
    mixed.searchParams.set('state', sentToOther.flowId)
    mixed.searchParams.set('iss', other.issuer)
    await expectRefused(mixed, sentToOther.flowId, 'provider_error')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instancesInProcess } from '../support/boarding-pass.js'
import { createClock, type TestClock } from '../support/clock.js'
import { startService, type Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback, type StartedFlow } from '../support/sign-in.js'
import { browserlessLogin } from '../support/browserless-login.js'

/** The 400 page for a flow that is not live: HTML, never a redirect, not cached, reflecting nothing. */
async function expectErrorPage(response: Response): Promise<string> {
  expect(response.status).toBe(400)
  expect(response.headers.get('location')).toBeNull()
  expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  expect(response.headers.get('cache-control')).toMatch(/no-store/)
  const html = await response.text()
  expect(html).toMatch(/<html/i)
  return html
}

/** The 302 back to the app: to the redirect URI with `flow`, not cached, no Referer leak. */
function expectRedirectToApp(response: Response, flow: StartedFlow): URL {
  expect(response.status).toBe(302)
  const location = new URL(response.headers.get('location')!)
  expect(`${location.origin}${location.pathname}`).toBe(flow.redirectUri)
  expect(location.searchParams.get('flow')).toBe(flow.flowId)
  expect(response.headers.get('cache-control')).toMatch(/no-store/)
  expect(response.headers.get('referrer-policy')).toBe('no-referrer')
  return location
}

/** Asserts the redirect carries `error=<reason>` and no Server Code. */
function expectCallbackError(response: Response, flow: StartedFlow, reason: string): void {
  const location = expectRedirectToApp(response, flow)
  expect(location.searchParams.get('error')).toBe(reason)
  expect(location.searchParams.has('server_code')).toBe(false)
}

describe('GET /auth/callback', () => {
  let service: Service

  beforeAll(async () => {
    service = await startService()
  })
  afterAll(() => service?.close())

  const begin = () => beginFlow(service.bp.url, { redirectUri: service.redirectUri })
  /** The provider's redirect to the callback, with `edit` applied to its query (what an attacker could tamper with). */
  async function providerCallback(flow: StartedFlow, edit: (query: URLSearchParams) => void = () => {}): Promise<URL> {
    const callback = await loginAtProvider(flow, service.publicUrl)
    edit(callback.searchParams)
    return callback
  }

  describe('a live flow', () => {
    it('ends in a 302 to redirectUri?server_code=…&flow=…, with Cache-Control: no-store and Referrer-Policy: no-referrer', async () => {
      const flow = await begin()
      const callback = await providerCallback(flow)
      expect(callback.searchParams.get('code')).toBeTruthy()
      expect(callback.searchParams.get('state')).toBe(flow.flowId)
      const location = expectRedirectToApp(await sendCallback(service.bp.address, callback), flow)
      expect(location.searchParams.get('server_code')!.length).toBeGreaterThanOrEqual(22)
      expect(location.searchParams.has('error')).toBe(false)
      // Nothing of the provider leg reaches the app.
      expect(location.searchParams.has('code')).toBe(false)
      expect(location.searchParams.has('state')).toBe(false)
      expect(location.href).not.toContain(callback.searchParams.get('code')!)
    })

    it('user denies at the provider → redirectUri?error=access_denied&flow=…', async () => {
      const flow = await begin()
      const back = await browserlessLogin(flow.authorizationUrl, { deny: true, stopAt: `${service.publicUrl}/auth/callback` })
      expect(back.searchParams.get('error')).toBe('access_denied')
      expectCallbackError(await sendCallback(service.bp.address, back), flow, 'access_denied')
    })

    it('the provider answers with an error → error=provider_error', async () => {
      const flow = await begin()
      const callback = await providerCallback(flow, (query) => {
        query.delete('code')
        query.set('error', 'temporarily_unavailable')
        query.set('error_description', 'down for maintenance')
      })
      expectCallbackError(await sendCallback(service.bp.address, callback), flow, 'provider_error')
    })

    it('a code the provider does not know (refused at its token endpoint) → error=provider_error', async () => {
      const flow = await begin()
      const callback = await providerCallback(flow, (query) => query.set('code', 'forged-authorization-code'))
      expectCallbackError(await sendCallback(service.bp.address, callback), flow, 'provider_error')
    })

    it('no code and no error → error=invalid_request', async () => {
      const flow = await begin()
      const callback = await providerCallback(flow, (query) => query.delete('code'))
      expectCallbackError(await sendCallback(service.bp.address, callback), flow, 'invalid_request')
    })

    it('mix-up defence (RFC 9207): an iss that is not the provider’s → error, no Server Code', async () => {
      const flow = await begin()
      const callback = await providerCallback(flow, (query) => {
        expect(query.get('iss')).toBe(service.idp.issuer)
        query.set('iss', 'https://attacker.example/oidc')
      })
      expectCallbackError(await sendCallback(service.bp.address, callback), flow, 'invalid_request')
    })

    it('mix-up defence (RFC 9207): iss removed although the provider always sends it → error, no Server Code', async () => {
      const flow = await begin()
      const callback = await providerCallback(flow, (query) => query.delete('iss'))
      expectCallbackError(await sendCallback(service.bp.address, callback), flow, 'invalid_request')
    })

    it('after a failed callback the flow is over: the genuine callback that follows gets the 400 page', async () => {
      const flow = await begin()
      const genuine = await providerCallback(flow)
      const tampered = new URL(genuine)
      tampered.searchParams.set('iss', 'https://attacker.example/oidc')
      expectCallbackError(await sendCallback(service.bp.address, tampered), flow, 'invalid_request')
      await expectErrorPage(await sendCallback(service.bp.address, genuine))
    })
  })

  describe('no live flow: a 400 HTML page, never a redirect', () => {
    it('an unknown state', async () => {
      await expectErrorPage(await sendCallback(service.bp.address, '?code=abc&state=no-such-flow'))
    })

    it('no state at all', async () => {
      await expectErrorPage(await sendCallback(service.bp.address, '?code=abc'))
      await expectErrorPage(await sendCallback(service.bp.address, ''))
    })

    it('an over-long state', async () => {
      await expectErrorPage(await sendCallback(service.bp.address, `?code=abc&state=${'s'.repeat(4000)}`))
    })

    it('a reused state: the same provider redirect a second time', async () => {
      const flow = await begin()
      const callback = await providerCallback(flow)
      expectRedirectToApp(await sendCallback(service.bp.address, callback), flow)
      const html = await expectErrorPage(await sendCallback(service.bp.address, callback))
      expect(html).not.toContain('server_code')
    })

    it('markup in state and error is reflected nowhere', async () => {
      const payload = '<script>alert(1)</script>'
      const html = await expectErrorPage(
        await sendCallback(service.bp.address, `?state=${encodeURIComponent(payload)}&error=${encodeURIComponent(payload)}`),
      )
      expect(html).not.toContain(payload)
      expect(html).not.toContain('<script')
    })
  })
})

// The instance's clock is moved ahead: only an instance in this process has one the test can move.
describe.skipIf(!instancesInProcess())('GET /auth/callback for a flow that expired', () => {
  let service: Service
  let clock: TestClock

  beforeAll(async () => {
    clock = createClock()
    service = await startService({ options: { now: clock.now } })
  })
  afterAll(() => service?.close())

  it('the 400 page (the instance’s clock moved past the flow’s expiresAt)', async () => {
    const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const callback = await loginAtProvider(flow, service.publicUrl)
    clock.advance(new Date(flow.expiresAt).getTime() - clock.now() + 1_000)
    await expectErrorPage(await sendCallback(service.bp.address, callback))
  })
})

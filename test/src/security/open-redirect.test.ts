import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Open redirect (RFC 9700 §4.1, §4.11): `redirectUri` must equal an
 * allow-list entry exactly, and the callback sends the browser nowhere else.
 */
const APP = 'https://app.example/callback'
const WITH_QUERY = 'https://app.example/return?tenant=1'
const LOOPBACK = 'http://127.0.0.1/native'

const VARIANTS: [string, string][] = [
  ['another host', 'https://evil.example/callback'],
  ['userinfo: good@evil', 'https://app.example@evil.example/callback'],
  ['userinfo on the right host', 'https://evil.example@app.example/callback'],
  ['userinfo with a port-like part', 'https://app.example:443@evil.example/callback'],
  ['a backslash before @', 'https://app.example\\@evil.example/callback'],
  ['an encoded @', 'https://app.example%40evil.example/callback'],
  ['a look-alike host', 'https://app.example.evil.example/callback'],
  ['a sub-domain', 'https://login.app.example/callback'],
  ['a trailing dot on the host', 'https://app.example./callback'],
  ['the host in upper case', 'https://APP.EXAMPLE/callback'],
  ['the path in another case', 'https://app.example/Callback'],
  ['the scheme in upper case', 'HTTPS://app.example/callback'],
  ['http instead of https', 'http://app.example/callback'],
  ['scheme-relative', '//app.example/callback'],
  ['a single slash after the scheme', 'https:/app.example/callback'],
  ['backslashes for slashes', 'https:\\\\app.example\\callback'],
  ['javascript:', 'javascript:alert(document.domain)//https://app.example/callback'],
  ['javascript: in mixed case', 'JaVaScRiPt:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['vbscript:', 'vbscript:msgbox(1)'],
  ['file:', 'file:///etc/passwd'],
  ['a trailing slash', 'https://app.example/callback/'],
  ['a path below it', 'https://app.example/callback/evil'],
  ['path traversal out of it', 'https://app.example/callback/../evil'],
  ['encoded path traversal', 'https://app.example/callback/..%2fevil'],
  ['dot segments resolving to it', 'https://app.example/x/../callback'],
  ['encoded dot segments', 'https://app.example/%2e%2e/callback'],
  ['a percent-encoded path', 'https://app.example/%63allback'],
  ['a NUL byte', 'https://app.example/callback%00'],
  ['a raw NUL', 'https://app.example/callback\u0000'],
  ['a newline (header splitting)', 'https://app.example/callback\r\nLocation: https://evil.example'],
  ['a tab the URL parser would drop', 'https://app.exa\tmple/callback'],
  ['a leading space', ' https://app.example/callback'],
  ['a trailing space', 'https://app.example/callback '],
  ['an extra query', 'https://app.example/callback?next=https://evil.example'],
  ['an empty query', 'https://app.example/callback?'],
  ['a fragment', 'https://app.example/callback#https://evil.example'],
  ['the default port written out', 'https://app.example:443/callback'],
  ['another port', 'https://app.example:8443/callback'],
  ['an IDN look-alike (Cyrillic а)', 'https://аpp.example/callback'],
  ['fullwidth characters', 'https://ａｐｐ.example/callback'],
  ['the entry with a query, without it', 'https://app.example/return'],
  ['the entry with a query, another value', 'https://app.example/return?tenant=2'],
  ['the entry with a query, a parameter more', 'https://app.example/return?tenant=1&next=https://evil.example'],
  ['loopback: userinfo hiding another host', 'http://127.0.0.1:5555@evil.example/native'],
  ['loopback: a host that starts like it', 'http://127.0.0.1.evil.example:5555/native'],
  ['loopback: another path', 'http://127.0.0.1:5555/native/../evil'],
  ['loopback: localhost instead', 'http://localhost:5555/native'],
  ['loopback: https', 'https://127.0.0.1:5555/native'],
]

describe('open redirect: redirectUri must be exactly on the allow-list', () => {
  let service: Service

  beforeAll(async () => {
    service = await startAttackedService({ env: { AUTH_REDIRECT_URIS: [APP, WITH_QUERY, LOOPBACK].join(',') } })
  })
  afterAll(() => service?.close())

  const start = (redirectUri: string) =>
    callProcedure(service.bp.url, 'auth.start', {
      mutation: { provider: 'acme', clientCodeHash: 'A'.repeat(43), hashMethod: 'sha256', redirectUri },
    })

  it.each(VARIANTS)('%s (%j): redirect_uri_not_allowed', async (_why, redirectUri) => {
    const error = expectRefusal(await start(redirectUri), 'redirect_uri_not_allowed')
    expect(error.message).not.toContain('evil')
  })

  it('the broker’s own callback (a redirect loop) is not allowed either', async () => {
    expectRefusal(await start(`${service.publicUrl}/auth/callback`), 'redirect_uri_not_allowed')
    expectRefusal(await start(`${service.publicUrl}/callback`), 'redirect_uri_not_allowed')
  })

  it.each([APP, WITH_QUERY, 'http://127.0.0.1:5555/native'])('the allowed %s is accepted', async (redirectUri) => {
    expect((await start(redirectUri)).status).toBe(200)
  })

  describe('the callback sends the browser to the exact registered URI and nowhere else', () => {
    /** Where a Location sends the browser, as origin + path + query, and its query. */
    function target(location: string | null): { base: string; params: URLSearchParams } {
      expect(location).toBeTruthy()
      const url = new URL(location!)
      return { base: `${url.origin}${url.pathname}`, params: url.searchParams }
    }

    it.each([
      ['redirect_uri', 'https://evil.example/'],
      ['redirectUri', 'https://evil.example/'],
      ['next', 'https://evil.example/'],
      ['return_to', '//evil.example'],
    ])('a callback with %s=%s added still goes to the flow’s own redirect URI', async (name, value) => {
      const flow = await beginFlow(service.bp.url, { redirectUri: APP })
      const callbackUrl = await loginAtProvider(flow, service.publicUrl)
      callbackUrl.searchParams.set(name, value)
      const response = await sendCallback(service.bp.address, callbackUrl)
      expect(response.status).toBe(302)
      const { base, params } = target(response.headers.get('location'))
      expect(base).toBe(APP)
      expect([...params.keys()].sort()).toEqual(['flow', 'server_code'])
    })

    it('an entry with a query keeps it, and gets only server_code and flow added', async () => {
      const flow = await beginFlow(service.bp.url, { redirectUri: WITH_QUERY })
      const response = await sendCallback(service.bp.address, await loginAtProvider(flow, service.publicUrl))
      const location = response.headers.get('location')!
      expect(location.startsWith(`${WITH_QUERY}&`)).toBe(true)
      expect([...new URL(location).searchParams.keys()].sort()).toEqual(['flow', 'server_code', 'tenant'])
    })

    it('a refusal at the provider goes back to the same exact URI, with error= and no code', async () => {
      const flow = await beginFlow(service.bp.url, { redirectUri: APP })
      const response = await sendCallback(service.bp.address, await loginAtProvider(flow, service.publicUrl, { deny: true }))
      const { base, params } = target(response.headers.get('location'))
      expect(base).toBe(APP)
      expect(params.get('error')).toBe('access_denied')
      expect(params.get('server_code')).toBeNull()
    })

    it.each([
      ['no state', '?code=abc'],
      ['an unknown state', '?code=abc&state=unknown-flow-id'],
      ['a state of 10,000 characters', `?code=abc&state=${'s'.repeat(10_000)}`],
      ['a state and a redirect_uri', '?state=x&redirect_uri=https%3A%2F%2Fevil.example%2F'],
    ])('%s: a 400 page and no redirect at all', async (_why, query) => {
      const response = await sendCallback(service.bp.address, query)
      expect(response.status).toBe(400)
      expect(response.headers.get('location')).toBeNull()
      expect(await response.text()).not.toContain('evil.example')
    })
  })
})

import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { callProcedure } from '../support/trpc-http.js'

describe('redirect_uri_not_allowed: the redirectUri must be in AUTH_REDIRECT_URIS, exactly', () => {
  let service: Service
  let clientCodeHash: string
  let app: URL

  beforeAll(async () => {
    // The app's own callback, and a native app's port-less loopback entry (RFC 8252 §7.3).
    service = await startService({
      env: (publicUrl) => ({ AUTH_REDIRECT_URIS: `${publicUrl}/callback,http://127.0.0.1/native/cb` }),
    })
    clientCodeHash = (await createClientCodePair()).clientCodeHash
    app = new URL(service.redirectUri)
  })
  afterAll(() => service?.close())

  const start = (redirectUri: string) =>
    callProcedure(service.bp.url, 'auth.start', {
      mutation: { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri },
    })

  it('allows the entry exactly as listed, and the port-less loopback entry on any port', async () => {
    expect((await start(service.redirectUri)).status).toBe(200)
    expect((await start('http://127.0.0.1/native/cb')).status).toBe(200)
    expect((await start('http://127.0.0.1:51515/native/cb')).status).toBe(200)
  })

  it.each([
    ['a trailing slash', () => `${app.href}/`],
    ['a different port', () => `${app.protocol}//${app.hostname}:${Number(app.port) + 1}${app.pathname}`],
    ['https instead of http', () => app.href.replace(/^http:/, 'https:')],
    ['an extra query', () => `${app.href}?next=%2Fadmin`],
    ['a fragment', () => `${app.href}#top`],
    ['another path', () => `${app.origin}/callback2`],
    ['127.0.0.1 instead of localhost', () => app.href.replace('localhost', '127.0.0.1')],
    ['another host', () => app.href.replace('localhost', 'evil.example')],
    ['userinfo hiding another host', () => `http://localhost:${app.port}@evil.example/callback`],
    ['a relative URI', () => '/callback'],
    ['a javascript: URI', () => 'javascript:alert(document.domain)'],
    ['localhost on any port (no RFC 8252 allowance for localhost)', () => 'http://localhost:51515/native/cb'],
    ['the loopback entry with another path', () => 'http://127.0.0.1:51515/native/cb/x'],
    ['the loopback entry with a query', () => 'http://127.0.0.1:51515/native/cb?x=1'],
    ['the loopback entry over https', () => 'https://127.0.0.1:51515/native/cb'],
    ['the loopback entry with userinfo', () => 'http://127.0.0.1:80@evil.example/native/cb'],
    ['the IPv6 loopback (not listed)', () => 'http://[::1]:51515/native/cb'],
  ])('refuses %s with 400', async (_why, uri) => {
    const error = expectRefusal(await start(uri()), 'redirect_uri_not_allowed')
    expect(error.message).toBe('This redirectUri is not in the allow-list.')
  })
})

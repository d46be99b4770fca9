import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { obtainServerCode } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

describe('native apps (RFC 8252): AUTH_REDIRECT_URIS with http://127.0.0.1/callback and com.example.app:/callback', () => {
  let service: Service
  let clientCodeHash: string

  beforeAll(async () => {
    service = await startService({
      env: (publicUrl) => ({
        AUTH_REDIRECT_URIS: `${publicUrl}/callback,http://127.0.0.1/callback,com.example.app:/callback`,
      }),
    })
    clientCodeHash = (await createClientCodePair()).clientCodeHash
  })
  afterAll(() => service?.close())

  const start = (redirectUri: string) =>
    callProcedure(service.bp.url, 'auth.start', {
      mutation: { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri },
    })

  it.each([1024, 8080, 49152, 51515, 65535])(
    'allows http://127.0.0.1:%i/callback (the port-less entry, any port)',
    async (port) => {
      expect((await start(`http://127.0.0.1:${port}/callback`)).status).toBe(200)
    },
  )

  it('allows the entry as written, and the private-use scheme exactly', async () => {
    expect((await start('http://127.0.0.1/callback')).status).toBe(200)
    expect((await start('com.example.app:/callback')).status).toBe(200)
  })

  it.each([
    ['localhost on a port (no RFC 8252 allowance for localhost)', 'http://localhost:51515/callback'],
    ['localhost without a port', 'http://localhost/callback'],
    ['the IPv6 loopback (not listed)', 'http://[::1]:51515/callback'],
    ['another loopback address', 'http://127.0.0.2:51515/callback'],
    ['the loopback entry over https', 'https://127.0.0.1:51515/callback'],
    ['the loopback entry with another path', 'http://127.0.0.1:51515/callback/x'],
    ['the loopback entry with a trailing slash', 'http://127.0.0.1:51515/callback/'],
    ['the loopback entry with a query', 'http://127.0.0.1:51515/callback?next=x'],
    ['the loopback entry with userinfo', 'http://user@127.0.0.1:51515/callback'],
    ['the private-use scheme with another path', 'com.example.app:/callback/x'],
    ['the private-use scheme with an authority', 'com.example.app://callback'],
    ['the private-use scheme with a query', 'com.example.app:/callback?x=1'],
    ['the private-use scheme with a fragment', 'com.example.app:/callback#x'],
    ['the private-use scheme in another case', 'com.example.app:/Callback'],
    ['another private-use scheme', 'com.example.evil:/callback'],
  ])('refuses %s', async (_why, uri) => {
    expectRefusal(await start(uri), 'redirect_uri_not_allowed')
  })

  it('a whole login comes back to the loopback port the app chose', async () => {
    const redirectUri = 'http://127.0.0.1:53123/callback'
    const { flow, serverCode, back } = await obtainServerCode(service.bp.url, { redirectUri, name: 'Ada Lovelace' })
    expect(back.origin).toBe('http://127.0.0.1:53123')
    expect(back.pathname).toBe('/callback')
    const tokens = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
    })
    expect(tokens.status).toBe(200)
  })
})

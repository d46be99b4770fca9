import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'

/**
 * Single queries and mutations are answered by a fast path beside tRPC's
 * adapter (server/src/http/trpc-fast-path.ts). The same requests, sent to an
 * instance with it and one without, must get the same status, content type and
 * body, byte for byte.
 */
describe('the tRPC fast path answers exactly as the adapter does', () => {
  let fast: TestInstance
  let adapter: TestInstance

  beforeAll(async () => {
    fast = await startBoardingPass({ AUTH_RATE_LIMITS: 'off' })
    adapter = await startBoardingPass({ AUTH_RATE_LIMITS: 'off', TRPC_FAST_PATH: 'off' })
  })
  afterAll(async () => {
    await fast?.close()
    await adapter?.close()
  })

  const hash = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
  const cases: { name: string; path: string; init?: RequestInit }[] = [
    { name: 'query without input', path: 'auth.providers' },
    { name: 'query with an unexpected input', path: `auth.providers?input=${encodeURIComponent('{"a":1}')}` },
    { name: 'query without a token', path: 'auth.me' },
    { name: 'query with a bad token', path: 'auth.me', init: { headers: { authorization: 'Bearer abc.def.ghi' } } },
    {
      name: 'query as POST',
      path: 'auth.me',
      init: { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
    },
    { name: 'mutation as GET', path: 'auth.complete' },
    { name: 'unknown procedure', path: 'auth.nope' },
    { name: 'mutation with malformed JSON', path: 'auth.complete', init: post('{"clientCode":') },
    { name: 'mutation with the wrong shape', path: 'auth.complete', init: post('{"clientCode":1}') },
    { name: 'mutation with an empty object', path: 'auth.start', init: post('{}') },
    { name: 'mutation with JSON null', path: 'auth.refresh', init: post('null') },
    {
      name: 'refused hash method',
      path: 'auth.start',
      init: post(JSON.stringify({ provider: 'dev', clientCodeHash: hash, hashMethod: 'plain', redirectUri: 'http://x/cb' })),
    },
    {
      name: 'refused redirect URI',
      path: 'auth.start',
      init: post(
        JSON.stringify({ provider: 'dev', clientCodeHash: hash, hashMethod: 'sha256', redirectUri: 'https://evil.example/cb' }),
      ),
    },
    {
      name: 'unknown server code',
      path: 'auth.complete',
      init: post(JSON.stringify({ clientCode: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', serverCode: 'nope' })),
    },
    { name: 'unknown refresh token', path: 'auth.refresh', init: post(JSON.stringify({ refreshToken: 'x'.repeat(60) })) },
    { name: 'logout with an unknown token', path: 'auth.logout', init: post(JSON.stringify({ refreshToken: 'nope' })) },
    { name: 'text/plain body', path: 'auth.logout', init: post(JSON.stringify({ refreshToken: 'nope' }), 'text/plain') },
    { name: 'batch of two', path: 'auth.providers,auth.me?batch=1&input=%7B%7D' },
  ]

  for (const { name, path, init } of cases) {
    it(name, async () => {
      const [a, b] = await Promise.all([send(fast.url, path, init), send(adapter.url, path, init)])
      expect(a).toEqual(b)
    })
  }

  it('a whole start answers the same shape', async () => {
    const pair = await createClientCodePair()
    const input = { provider: 'dev', clientCodeHash: pair.clientCodeHash, hashMethod: 'sha256', redirectUri: '' }
    const a = await send(fast.url, 'auth.start', post(JSON.stringify({ ...input, redirectUri: `${fast.url}/callback` })))
    const b = await send(adapter.url, 'auth.start', post(JSON.stringify({ ...input, redirectUri: `${adapter.url}/callback` })))
    expect(a.status).toBe(200)
    expect(Object.keys(JSON.parse(a.body).result.data)).toEqual(Object.keys(JSON.parse(b.body).result.data))
  })
})

function post(body: string, contentType = 'application/json'): RequestInit {
  return { method: 'POST', body, headers: { 'content-type': contentType } }
}

async function send(base: string, path: string, init?: RequestInit) {
  const response = await fetch(`${base}/trpc/${path}`, init)
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    vary: response.headers.get('vary'),
    allow: response.headers.get('allow'),
    body: await response.text(),
  }
}

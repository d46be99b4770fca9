import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTRACT_REASONS, expectNothingInternal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { jose } from '../support/jose.js'
import { rawExchange, rawRequest, statusOf, type RawResponse } from './harness/raw-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Hostile input (generated with fast-check, and by hand where a generator
 * would not reach): garbage of every shape at every procedure and route. The
 * service answers it with a 4xx (or a harmless 2xx), a tRPC error that carries
 * a contract reason, no stack and no internals, never a 5xx or an HTML error
 * from tRPC, and it is still live afterwards. Runs are bounded so the file
 * finishes in well under 30 s.
 */
const RUNS = 25
const MUTATIONS = ['auth.start', 'auth.complete', 'auth.refresh', 'auth.logout', 'auth.introspect', 'auth.poll']
const QUERIES = ['auth.providers', 'auth.me', 'auth.watch']
const reasons = Object.keys(CONTRACT_REASONS)

/** Asserts a tRPC answer is a 2xx/4xx JSON envelope whose every error carries a contract reason. */
function expectContractAnswer(response: RawResponse, what: string): void {
  expect(response.status, `${what}: ${response.text.slice(0, 300)}`).toBeLessThan(500)
  expect(response.status, what).toBeGreaterThanOrEqual(200)
  const type = String(response.headers['content-type'] ?? '')
  if (type.startsWith('text/event-stream')) return expectStreamErrors(response.text, what)
  // tRPC sends some transport refusals (415, a malformed path) as text/plain, still with its JSON envelope.
  expect(type, `${what}: ${response.text.slice(0, 200)}`).toMatch(/^(application\/json|text\/plain)/)
  const body = JSON.parse(response.text) as unknown
  expectNothingInternal(body)
  for (const entry of Array.isArray(body) ? body : [body]) {
    const error = (entry as { error?: { data?: { reason?: string; httpStatus?: number } } }).error
    if (!error) continue
    expect(reasons, `${what}: reason of ${JSON.stringify(error)}`).toContain(error.data?.reason)
    expect(error.data?.httpStatus, what).toBeLessThan(500)
  }
  if (!Array.isArray(body) && (body as { error?: unknown }).error) expect(response.status).toBeGreaterThanOrEqual(400)
}

/** An SSE answer (auth.watch): every serialized error in it carries a contract reason below 500. */
function expectStreamErrors(text: string, what: string): void {
  for (const match of text.matchAll(/event: serialized-error\ndata: (.*)\n/g)) {
    const error = JSON.parse(match[1]!) as { data?: { reason?: string; httpStatus?: number } }
    expect(reasons, `${what}: ${match[1]}`).toContain(error.data?.reason)
    expect(error.data?.httpStatus, what).toBeLessThan(500)
    expectNothingInternal(error)
  }
}

/** Any JSON, with strings of any code point (lone surrogates included). */
const anyJson = fc.jsonValue({ maxDepth: 6 })
const oddString = fc.string({ unit: 'binary', maxLength: 300 })
const oddValue = fc.oneof(anyJson, oddString, fc.constantFrom('', ' ', '\u0000', '\u202e', '\ufeff', '\ud800', 'a'.repeat(5000)))

describe('hostile input at every procedure and route', () => {
  let service: Service
  let base: string

  beforeAll(async () => {
    service = await startAttackedService()
    base = service.bp.address
  })
  afterAll(() => service?.close())

  const post = (path: string, body: string | Buffer, contentType = 'application/json', headers: Record<string, string> = {}) =>
    rawRequest(`${base}/trpc/${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body })
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(`${base}${path}`, { headers })

  it.each(MUTATIONS)('%s: any JSON at all as input', async (path) => {
    await fc.assert(
      fc.asyncProperty(anyJson, async (input) =>
        expectContractAnswer(await post(path, JSON.stringify(input)), `${path} ${JSON.stringify(input)}`),
      ),
      { numRuns: RUNS },
    )
  })

  it.each(MUTATIONS)('%s: the right field names with values of any type and odd Unicode', async (path) => {
    const keys = [
      'provider',
      'clientCodeHash',
      'hashMethod',
      'redirectUri',
      'clientCode',
      'serverCode',
      'refreshToken',
      'token',
      'flowId',
      'mode',
      'deviceName',
    ]
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), oddValue, { maxKeys: 6 }), async (input) =>
        expectContractAnswer(await post(path, JSON.stringify(input)), `${path} ${JSON.stringify(input).slice(0, 200)}`),
      ),
      { numRuns: RUNS },
    )
  })

  it.each(MUTATIONS)('%s: bodies of random bytes, invalid UTF-8 included', async (path) => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) =>
        expectContractAnswer(
          await post(path, Buffer.from(bytes)),
          `${path} bytes ${Buffer.from(bytes).toString('hex').slice(0, 80)}`,
        ),
      ),
      { numRuns: RUNS },
    )
  })

  it('invalid UTF-8 inside JSON strings is refused as invalid_request', async () => {
    const body = Buffer.concat([
      Buffer.from('{"clientCode":"'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
      Buffer.from(`${'C'.repeat(43)}","serverCode":"x"}`),
    ])
    const response = await post('auth.complete', body)
    expectContractAnswer(response, 'invalid UTF-8')
    expect(JSON.parse(response.text).error.data.reason).toBe('invalid_request')
  })

  it.each(QUERIES)('%s: any JSON as the query input, and a raw garbage input parameter', async (path) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyJson.map((value) => encodeURIComponent(JSON.stringify(value))),
          fc.string({ maxLength: 200 }),
        ),
        async (input) => expectContractAnswer(await get(`/trpc/${path}?input=${input}`), `${path} ?input=${input.slice(0, 100)}`),
      ),
      { numRuns: RUNS },
    )
  })

  it('mutations under GET, queries under POST, unknown procedures, odd paths: 4xx with a reason', async () => {
    for (const path of [
      '/trpc/auth.start',
      '/trpc/auth.complete',
      '/trpc/auth.nope',
      '/trpc/',
      '/trpc/%E0%A4%A',
      '/trpc/auth..start',
      '/trpc/__proto__',
      '/trpc/constructor',
      '/trpc/auth/start',
    ]) {
      expectContractAnswer(await get(path), `GET ${path}`)
    }
    for (const path of ['auth.providers', 'auth.me', 'auth.watch', 'toString', 'auth.__proto__']) {
      expectContractAnswer(await post(path, '{}'), `POST ${path}`)
    }
  })

  it('other content types and methods: never a 5xx', async () => {
    const body = JSON.stringify({ clientCode: 'C'.repeat(43), serverCode: 'S'.repeat(43) })
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/json; charset=utf-16',
      'application/xml',
      '',
      'a'.repeat(2000),
    ]) {
      expectContractAnswer(await post('auth.complete', body, type), `content-type ${type.slice(0, 40)}`)
    }
    for (const method of ['PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE']) {
      const response = await rawRequest(`${base}/trpc/auth.complete`, {
        method,
        headers: { 'content-type': 'application/json' },
        body,
      })
      // Some of these Node's own HTTP parser refuses (an empty 400) before any route sees them.
      expect(response.status, method).toBeLessThan(500)
      if (response.text) expectContractAnswer(response, method)
    }
  })

  describe('Authorization header abuse at auth.me: always invalid_token (401)', () => {
    let real: string

    beforeAll(async () => {
      real = (await signIn(service.bp.url, { redirectUri: service.redirectUri })).accessToken
    })

    function forged(header: object, payload: object, signature = ''): string {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
      return `${part(header)}.${part(payload)}.${signature}`
    }

    it('hand-made: other schemes, alg none, HS256 with the public key, a changed claim, huge', async () => {
      const [header, payload, signature] = real.split('.') as [string, string, string]
      const claims = jose.decodeJwt(real)
      const { kid } = jose.decodeProtectedHeader(real)
      const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { x: string }[] }
      const hs256 = await new jose.SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(jwks.keys[0]!.x))
      const cases = [
        '',
        'Bearer',
        'Bearer ',
        `Basic ${Buffer.from('user:pass').toString('base64')}`,
        `DPoP ${real}`,
        `Token ${real}`,
        `Bearer ${real}x`,
        `Bearer ${real} ${real}`,
        `Bearer ${header}.${payload}.`,
        `Bearer ${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'acme:someone-else' })).toString('base64url')}.${signature}`,
        `Bearer ${forged({ alg: 'none', typ: 'at+jwt', kid }, claims)}`,
        `Bearer ${forged({ alg: 'EdDSA', typ: 'at+jwt', kid: '../../etc/passwd' }, claims, signature)}`,
        `Bearer ${forged({ alg: 'EdDSA', typ: 'at+jwt', kid, jku: 'https://evil.example/jwks' }, claims, signature)}`,
        `Bearer ${hs256}`,
        `Bearer ${'a'.repeat(10_000)}`,
        `Bearer ${'a.'.repeat(2000)}`,
      ]
      for (const authorization of cases) {
        const response = await get('/trpc/auth.me', authorization ? { authorization } : {})
        expectContractAnswer(response, authorization.slice(0, 60))
        expect(response.status, authorization.slice(0, 60)).toBe(401)
        expect(JSON.parse(response.text).error.data.reason).toBe('invalid_token')
      }
      expect((await get('/trpc/auth.me', { authorization: `Bearer ${real}` })).status).toBe(200)
    })

    it('generated Authorization values', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ maxLength: 400 }),
            fc.string({ maxLength: 400 }).map((s) => `Bearer ${s}`),
          ),
          async (value) => {
            const clean = value.replace(/[^\t\x20-\x7e]/g, '')
            const response = await get('/trpc/auth.me', { authorization: clean })
            expectContractAnswer(response, clean.slice(0, 60))
            expect(response.status).toBe(401)
          },
        ),
        { numRuns: RUNS },
      )
    })
  })

  describe('header and framing abuse (raw HTTP)', () => {
    it('many headers, odd bytes in headers, smuggling shapes: 4xx, never 5xx, and nothing hangs', async () => {
      const manyHeaders = Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')
      const requests = [
        `GET /healthz HTTP/1.1\r\nHost: x\r\n${manyHeaders}Connection: close\r\n\r\n`,
        'GET /trpc/auth.me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x00\x01\x7f\r\nConnection: close\r\n\r\n',
        'GET /trpc/auth.me HTTP/1.1\r\nHost: x\r\nX-Bad\x00Name: 1\r\nConnection: close\r\n\r\n',
        'POST /trpc/auth.complete HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}',
        'POST /trpc/auth.complete HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
        'POST /trpc/auth.complete HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: x\r\n Folded: header\r\nConnection: close\r\n\r\n',
        'GET /\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        'GARBAGE\r\n\r\n',
        `GET /trpc/auth.providers?input=${'%'.repeat(100)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ]
      for (const request of requests) {
        const answer = await rawExchange(base, Buffer.from(request, 'latin1'))
        const status = statusOf(answer)
        expect(status, `${JSON.stringify(request.slice(0, 80))} → ${answer.slice(0, 200)}`).toBeLessThan(500)
        expect(answer).not.toMatch(/\bat [^\s]+:\d+:\d+|node_modules/)
      }
    })

    it('a batch of 1,000 paths (GET and POST): a bounded answer, each entry a contract reason or a result', async () => {
      const getBatch = await get(`/trpc/${Array.from({ length: 1000 }, () => 'auth.providers').join(',')}?batch=1`)
      expect(getBatch.status).toBeLessThan(500)
      if (getBatch.status !== 431) expectContractAnswer(getBatch, 'GET batch of 1000')
      const paths = Array.from({ length: 1000 }, () => 'auth.complete').join(',')
      const postBatch = await post(`${paths}?batch=1`, JSON.stringify({}))
      expect(postBatch.status).toBeLessThan(500)
      if (postBatch.status !== 431) expectContractAnswer(postBatch, 'POST batch of 1000')
    })
  })

  describe('routes', () => {
    it('/auth/callback with generated queries: a 400 page or a 302 to the allowed URI, never more', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.constantFrom('state', 'code', 'iss', 'error', 'redirect_uri', 'x'), oddString, { maxKeys: 5 }),
          async (query) => {
            const response = await get(`/auth/callback?${new URLSearchParams(query).toString()}`)
            expect(response.status).toBeLessThan(500)
            expect([400, 429]).toContain(response.status)
            expect(response.headers.location).toBeUndefined()
            expect(response.text).not.toMatch(/\bat [^\s]+:\d+:\d+|node_modules/)
          },
        ),
        { numRuns: RUNS },
      )
    })

    it('/link and /link/answer with generated codes and forms: 2xx/4xx pages, never a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(
          oddString,
          fc.dictionary(fc.constantFrom('code', 'token', 'action', 'provider'), oddString, { maxKeys: 4 }),
          async (code, form) => {
            const page = await get(`/link?${new URLSearchParams({ code }).toString()}`)
            expect(page.status).toBeLessThan(500)
            const answer = await rawRequest(`${base}/link/answer`, {
              method: 'POST',
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                cookie: `bp_link=${Buffer.from(code).toString('base64url').slice(0, 60)}`,
              },
              body: new URLSearchParams(form).toString(),
            })
            expect(answer.status).toBeLessThan(500)
            expect(answer.headers.location).toBeUndefined()
          },
        ),
        { numRuns: RUNS },
      )
    })

    it.each([
      ['GET /link?code=…', 'GET', '/link?code=BBBB-BBBB'],
      ['POST /link/answer', 'POST', '/link/answer'],
    ])('a malformed cookie (bad percent-encoding) at %s is a 4xx page, not a 500', async (_what, method, path) => {
      const response = await rawRequest(`${base}${path}`, {
        method,
        headers: { cookie: 'bp_link=%E0%A4%A; other=%', 'content-type': 'application/x-www-form-urlencoded' },
        body: method === 'POST' ? 'action=continue&token=x' : undefined,
      })
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(500)
    })

    it('generated paths anywhere: never a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(fc.webPath(), async (path) => {
          const response = await get(path.startsWith('/') ? path : `/${path}`)
          expect(response.status, path).toBeLessThan(500)
        }),
        { numRuns: RUNS },
      )
    })
  })

  it('afterwards the service is live: /healthz 200 and a whole login works', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
    expect(tokens.tokenType).toBe('Bearer')
  })
})

import { createClientCodePair, crossDeviceStartOutput, redirectStartOutput, type TokenResponse } from '@boarding-pass/shared'
import { request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { dpopKey, dpopProof } from '../support/dpop.js'
import { obtainServerCode, signIn } from '../support/sign-in.js'

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
    const env = { AUTH_RATE_LIMITS: 'off', AUTH_CORS_ORIGINS: 'https://app.example' }
    fast = await startBoardingPass(env)
    adapter = await startBoardingPass({ ...env, TRPC_FAST_PATH: 'off' })
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
    {
      name: 'a call from another origin (CORS headers set first)',
      path: 'auth.me',
      init: { headers: { origin: 'https://elsewhere.example' } },
    },
    { name: 'a call from an allowed origin', path: 'auth.me', init: { headers: { origin: 'https://app.example' } } },
    {
      name: 'a POST from an allowed origin (as browsers send every POST)',
      path: 'auth.complete',
      init: {
        method: 'POST',
        body: JSON.stringify({ clientCode: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', serverCode: 'x'.repeat(43) }),
        headers: { 'content-type': 'application/json', origin: 'https://app.example' },
      },
    },
    {
      name: 'a preflight from an allowed origin',
      path: 'auth.complete',
      init: { method: 'OPTIONS', headers: { origin: 'https://app.example' } },
    },
    { name: 'a preflight', path: 'auth.complete', init: { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example' } } },
  ]

  for (const { name, path, init } of cases) {
    it(name, async () => {
      const [a, b] = await Promise.all([send(fast.url, path, init), send(adapter.url, path, init)])
      expect(a).toEqual(b)
    })
  }

  it('a whole start answers the same status, headers and shape, in both modes', async () => {
    const pair = await createClientCodePair()
    const input = { provider: 'dev', clientCodeHash: pair.clientCodeHash, hashMethod: 'sha256' }
    for (const mode of ['redirect', 'cross-device'] as const) {
      const answers = []
      for (const instance of [fast, adapter]) {
        const body = mode === 'redirect' ? { ...input, redirectUri: `${instance.url}/callback` } : { ...input, mode }
        const { body: text, ...rest } = await send(instance.url, 'auth.start', post(JSON.stringify(body)))
        answers.push({ ...rest, shape: JSON.stringify(shapeOf(JSON.parse(text))) }) // as text: key order counts
      }
      expect(answers[0]!.status).toBe(200)
      expect(answers[0]).toEqual(answers[1])
      // Neither path runs zod's output check (which answered in the schema's key order): the resolvers must.
      const schema = mode === 'redirect' ? redirectStartOutput : crossDeviceStartOutput
      expect(Object.keys(JSON.parse(answers[0]!.shape).result.data)).toEqual(Object.keys(schema.shape))
    }
  })
})

/**
 * The hot procedures (start, complete, refresh, me) are called by the fast path without
 * tRPC's middleware chain. Two instances on one Redis (one service, one key set),
 * one with the fast path and one without, answer the same signed-in requests
 * with the same bytes, and the same refusals with the same headers.
 */
describe('the hot procedures answer exactly as tRPC does, signed in', () => {
  let fast: TestInstance
  let adapter: TestInstance
  let tokens: TokenResponse

  beforeAll(async () => {
    const redis = { REDIS_URL: inject('redisUrl'), AUTH_RATE_LIMITS: 'off' }
    fast = await startBoardingPass(redis)
    adapter = await startBoardingPass({ ...redis, TRPC_FAST_PATH: 'off', PUBLIC_URL: fast.url })
    tokens = await signIn(fast.url, { redirectUri: `${fast.url}/callback`, provider: 'dev' })
  })
  afterAll(async () => {
    await fast?.close()
    await adapter?.close()
  })

  const both = (path: string, init?: RequestInit | (() => Promise<RequestInit>)) =>
    Promise.all(
      [fast.address, adapter.address].map(async (base) => send(base, path, typeof init === 'function' ? await init() : init)),
    )

  it('auth.me with a live token: the same user, byte for byte', async () => {
    const [a, b] = await both('auth.me', { headers: { authorization: `Bearer ${tokens.accessToken}` } })
    expect(a!.status).toBe(200)
    expect(a).toEqual(b)
  })

  it('auth.me with a token sent as DPoP without a proof: the same refusal and WWW-Authenticate', async () => {
    const [a, b] = await both('auth.me', { headers: { authorization: `DPoP ${tokens.accessToken}` } })
    expect(a!.status).toBe(401)
    expect(a!.wwwAuthenticate).toMatch(/^DPoP /)
    expect(a).toEqual(b)
  })

  it('auth.complete with a malformed DPoP proof: the same refusal and WWW-Authenticate', async () => {
    const body = JSON.stringify({ clientCode: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', serverCode: 'x'.repeat(43) })
    const init = post(body)
    ;(init.headers as Record<string, string>).dpop = 'not.a.proof'
    const [a, b] = await both('auth.complete', init)
    expect(a!.status).toBe(400)
    expect(a).toEqual(b)
  })

  it('auth.complete and auth.refresh succeed with the same shape and headers on both', async () => {
    const answers = []
    for (const base of [fast.address, adapter.address]) {
      const { flow, serverCode } = await obtainServerCode(fast.url, { redirectUri: `${fast.url}/callback`, provider: 'dev' })
      const completed = await send(base, 'auth.complete', post(JSON.stringify({ clientCode: flow.pair.clientCode, serverCode })))
      const refreshToken = (JSON.parse(completed.body) as { result: { data: TokenResponse } }).result.data.refreshToken
      const refreshed = await send(base, 'auth.refresh', post(JSON.stringify({ refreshToken })))
      answers.push([completed, refreshed].map(({ body, ...rest }) => ({ ...rest, shape: shapeOf(JSON.parse(body)) })))
    }
    expect(answers[0]![0]!.status).toBe(200)
    expect(answers[0]![1]!.status).toBe(200)
    expect(answers[0]).toEqual(answers[1])
  })

  it('a DPoP-bound auth.me: the same user, byte for byte', async () => {
    const key = await dpopKey()
    const { flow, serverCode } = await obtainServerCode(fast.url, { redirectUri: `${fast.url}/callback`, provider: 'dev' })
    const completed = await fetch(`${fast.address}/trpc/auth.complete`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        dpop: await dpopProof(key, { htm: 'POST', htu: `${fast.url}/trpc/auth.complete` }),
      },
      body: JSON.stringify({ clientCode: flow.pair.clientCode, serverCode }),
    })
    const bound = ((await completed.json()) as { result: { data: TokenResponse } }).result.data
    expect(bound.tokenType).toBe('DPoP')
    const init = async (): Promise<RequestInit> => ({
      headers: {
        authorization: `DPoP ${bound.accessToken}`,
        dpop: await dpopProof(key, { htm: 'GET', htu: `${fast.url}/trpc/auth.me`, accessToken: bound.accessToken }),
      },
    })
    const [a, b] = await both('auth.me', init)
    expect(a!.status).toBe(200)
    expect(a).toEqual(b)
  })
})

describe('the hot procedures answer exactly as tRPC does when rate limited', () => {
  let fast: TestInstance
  let adapter: TestInstance

  beforeAll(async () => {
    const limits = {
      AUTH_RATE_LIMITS: 'on',
      AUTH_RATE_LIMIT_COMPLETE: '2/60',
      AUTH_RATE_LIMIT_REFRESH: '2/60',
      AUTH_RATE_LIMIT_START: '2/60',
    }
    fast = await startBoardingPass(limits)
    adapter = await startBoardingPass({ ...limits, TRPC_FAST_PATH: 'off' })
  })
  afterAll(async () => {
    await fast?.close()
    await adapter?.close()
  })

  for (const [path, body, status] of [
    ['auth.complete', { clientCode: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', serverCode: 'x'.repeat(43) }, 401],
    ['auth.refresh', { refreshToken: 'x'.repeat(60) }, 401],
    [
      'auth.start',
      {
        provider: 'nope',
        clientCodeHash: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        hashMethod: 'sha256',
        redirectUri: 'http://x/cb',
      },
      400,
    ],
  ] as const) {
    it(`${path}: the same answers up to the limit and past it, Retry-After included`, async () => {
      const answers: Awaited<ReturnType<typeof send>>[][] = [[], []]
      for (let i = 0; i < 3; i++) {
        for (const [n, instance] of [fast, adapter].entries())
          answers[n]!.push(await send(instance.url, path, post(JSON.stringify(body))))
      }
      expect(answers[0]!.map((answer) => answer.status)).toEqual([status, status, 429])
      const [a, b] = answers.map((list) => list.map(({ retryAfter, ...rest }) => ({ ...rest, retryAfter: retryAfter !== null })))
      expect(a).toEqual(b)
      expect(Math.abs(Number(answers[0]![2]!.retryAfter) - Number(answers[1]![2]!.retryAfter))).toBeLessThanOrEqual(1)
    })
  }
})

/** A JSON value's structure: the same keys and types, any strings and numbers. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]))
  }
  return typeof value === 'string' && /^(Bearer|DPoP)$/.test(value) ? value : typeof value
}

/**
 * The header lines that must match, as sent (name case and order included). Not
 * `Date` and `Retry-After` (clock), nor how the body is framed: the fast path
 * sends Content-Length, the adapter a chunked body.
 */
function headerLines(raw: string[]): string[] {
  const skip = new Set(['date', 'retry-after', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'])
  const lines: string[] = []
  for (let i = 0; i < raw.length; i += 2) if (!skip.has(raw[i]!.toLowerCase())) lines.push(`${raw[i]}: ${raw[i + 1]}`)
  return lines
}

function post(body: string, contentType = 'application/json'): RequestInit {
  return { method: 'POST', body, headers: { 'content-type': contentType } }
}

/** One request over node:http, so the answer's headers are seen as sent: names in their case, in their order. */
async function send(base: string, path: string, init: RequestInit = {}) {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${base}/trpc/${path}`, { method: init.method ?? 'GET', headers: init.headers as OutgoingHttpHeaders })
    req.once('response', resolve).once('error', reject)
    req.end(init.body as string | undefined)
  })
  let body = ''
  for await (const chunk of response) body += String(chunk)
  const header = (name: string) => response.headers[name] ?? null
  return {
    status: response.statusCode,
    contentType: header('content-type'),
    vary: header('vary'),
    allow: header('allow'),
    cacheControl: header('cache-control'),
    retryAfter: header('retry-after') as string | null,
    wwwAuthenticate: header('www-authenticate'),
    headerLines: headerLines(response.rawHeaders),
    body,
  }
}

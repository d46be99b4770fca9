import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { TokenResponse } from '@boarding-pass/shared'
import { createAuthenticator, isBoardingPassError, type DpopReplayStore } from '@boarding-pass/verify'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startOrdersService, type OrdersService } from '../../../examples/orders-service/src/index.js'
import { dpopHeaders, dpopKey, dpopProof, type DpopKey } from '../support/dpop.js'
import { callProcedure } from '../support/trpc-http.js'
import { signIn, startBroker, type Broker } from './support/broker.js'
import { flushRedisDatabase, redisDatabase } from './support/redis.js'

/** node-redis, the client the server's store uses (the test package has none of its own). */
const fromServer = createRequire(new URL('../../../server/package.json', import.meta.url))
const { createClient } = (await import(pathToFileURL(fromServer.resolve('@keyv/redis')).href)) as {
  createClient: (options: { url: string }) => {
    connect(): Promise<unknown>
    set(key: string, value: string, options: object): Promise<string | null>
    quit(): Promise<unknown>
  }
}

/**
 * @boarding-pass/verify with DPoP-bound tokens (contract v1.2), against a real
 * Boarding Pass: the example service accepts a call with a proof and refuses
 * the same token without one; two processes sharing the documented Redis
 * replay store accept a proof once between them.
 */
describe('@boarding-pass/verify: DPoP-bound tokens', () => {
  const redisUrl = redisDatabase(inject('redisUrl'), 7)
  let bp: Broker
  let orders: OrdersService
  let key: DpopKey
  let tokens: TokenResponse

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    bp = await startBroker({ REDIS_URL: redisUrl })
    orders = await startOrdersService({ issuer: bp.url, audience: bp.url })
    key = await dpopKey()
    tokens = await signIn(bp, 'Ada Lovelace', { dpop: (htu) => dpopProof(key, { htm: 'POST', htu }) })
    expect(tokens.tokenType).toBe('DPoP')
  })
  afterAll(async () => {
    await orders?.close()
    await bp?.close()
  })

  const ordersUrl = () => `${orders.url}/trpc/orders.mine`

  it('examples/orders-service accepts a DPoP call, and refuses the same token replayed without a proof, or the proof replayed', async () => {
    const headers = await dpopHeaders(key, tokens.accessToken, 'GET', ordersUrl())
    const ok = await callProcedure<{ owner: string }>(orders.url, 'orders.mine', { headers })
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body.result?.data.owner).toBe(tokens.user.id)

    for (const replay of [
      { authorization: `Bearer ${tokens.accessToken}` },
      { authorization: `DPoP ${tokens.accessToken}` },
      headers,
    ]) {
      const refused = await callProcedure(orders.url, 'orders.mine', { headers: replay })
      expect(refused.status).toBe(401)
      expect(refused.body.error?.data.reason).toBe('invalid_token')
    }
    // A mutation is proven with its own method.
    const place = await callProcedure(orders.url, 'orders.place', {
      mutation: { item: 'brass gears', quantity: 1 },
      headers: await dpopHeaders(key, tokens.accessToken, 'POST', `${orders.url}/trpc/orders.place`),
    })
    expect(place.status, JSON.stringify(place.body)).toBe(200)
  })

  it('every refusal has its code: another key, wrong htm, wrong htu, no ath, stale iat, unbound token as DPoP', async () => {
    const authenticate = createAuthenticator({ issuer: bp.url, audience: bp.url })
    const url = 'http://api.test/notes'
    const request = (headers: Record<string, string>, method = 'GET') => new Request(url, { method, headers })
    const proof = (claims: Partial<Parameters<typeof dpopProof>[1]> = {}, signer = key) =>
      dpopProof(signer, { htm: 'GET', htu: url, accessToken: tokens.accessToken, ...claims })
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'accepted',
        (error: unknown) => (isBoardingPassError(error) ? error.code : error),
      )
    const auth = `DPoP ${tokens.accessToken}`
    expect(await codeOf(authenticate(request({ authorization: auth, dpop: await proof() })))).toBe('accepted')
    expect(await codeOf(authenticate(request({ authorization: `Bearer ${tokens.accessToken}`, dpop: await proof() })))).toBe(
      'sender_constrained',
    )
    // Only the header: no method or URL to check a proof against.
    expect(await codeOf(authenticate(auth))).toBe('sender_constrained')
    const refusals = [
      await proof({}, await dpopKey()),
      await proof({ htm: 'POST' }),
      await proof({ htu: 'http://api.test/other' }),
      await proof({ accessToken: undefined }),
      await proof({ iat: Math.floor(Date.now() / 1000) - 120 }),
    ]
    for (const dpop of refusals) {
      expect(await codeOf(authenticate(request({ authorization: auth, dpop })))).toBe('invalid_dpop_proof')
    }
    expect(await codeOf(authenticate(request({ authorization: auth })))).toBe('invalid_dpop_proof')
    const plain = await signIn(bp, 'Grace Hopper')
    const dpop = await dpopProof(key, { htm: 'GET', htu: url, accessToken: plain.accessToken })
    expect(await codeOf(authenticate(request({ authorization: `DPoP ${plain.accessToken}`, dpop })))).toBe('invalid_dpop_proof')
  })

  it('two processes sharing the documented Redis replay store accept a proof once; publicUrl gives the htu behind a proxy', async () => {
    const redis = createClient({ url: redisUrl })
    await redis.connect()
    try {
      // The snippet of docs/services.md and DpopReplayStore's TSDoc.
      const replayStore: DpopReplayStore = {
        putIfAbsent: async (key, ttlSeconds) => (await redis.set(`dpop:${key}`, '1', { NX: true, EX: ttlSeconds })) === 'OK',
      }
      const publicUrl = 'https://api.example.com'
      const servers = await Promise.all([0, 1].map(() => startProtected({ publicUrl, replayStore })))
      try {
        const headers = await dpopHeaders(key, tokens.accessToken, 'GET', `${publicUrl}/notes?page=2`)
        expect((await fetch(`${servers[0]!.url}/notes?page=2`, { headers })).status).toBe(200)
        const replayed = await fetch(`${servers[1]!.url}/notes?page=2`, { headers })
        expect(replayed.status).toBe(401)
        expect(await replayed.json()).toEqual({ reason: 'invalid_token', code: 'invalid_dpop_proof' })
        // The instance's own address is not the URL the client called.
        const direct = await dpopHeaders(key, tokens.accessToken, 'GET', `${servers[1]!.url}/notes`)
        expect((await fetch(`${servers[1]!.url}/notes`, { headers: direct })).status).toBe(401)
      } finally {
        await Promise.all(servers.map((server) => server.close()))
      }
    } finally {
      await redis.quit()
    }
  })

  /** A node:http service using `authenticate(req)` as docs/services.md shows it. */
  async function startProtected(options: { publicUrl: string; replayStore: DpopReplayStore }) {
    const authenticate = createAuthenticator({ issuer: bp.url, audience: bp.url, ...options })
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      authenticate(req).then(
        (user) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: user.id })),
        (error: unknown) => {
          if (!isBoardingPassError(error)) throw error
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end(JSON.stringify({ reason: error.reason, code: error.code }))
        },
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  }
})

import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startOrdersService, type OrdersRouter, type OrdersService } from '../../../examples/orders-service/src/index.js'
import { callProcedure } from '../support/trpc-http.js'
import { signIn, startBroker, type Broker } from './support/broker.js'
import { flushRedisDatabase, redisDatabase } from './support/redis.js'

function ordersClient(service: OrdersService, accessToken?: string) {
  return createTRPCClient<OrdersRouter>({
    links: [httpLink({ url: `${service.url}/trpc`, headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} })],
  })
}

describe('examples/orders-service: a team service on @boarding-pass/verify only, against a real Boarding Pass', () => {
  const redisUrl = redisDatabase(inject('redisUrl'), 8)
  let bp: Broker
  let orders: OrdersService

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    bp = await startBroker({ REDIS_URL: redisUrl })
    orders = await startOrdersService({
      issuer: bp.url,
      audience: bp.url,
      checkRevocation: true,
      revocationCacheTtl: 0,
      corsOrigins: ['https://app.example.com'],
    })
  })
  afterAll(async () => {
    await orders?.close()
    await bp?.close()
  })

  it("keeps each caller's orders under their Boarding Pass user id", async () => {
    const ada = await signIn(bp, 'Ada Lovelace')
    const grace = await signIn(bp, 'Grace Hopper')
    await ordersClient(orders, ada.accessToken).orders.place.mutate({ item: 'brass gears', quantity: 3 })
    await ordersClient(orders, grace.accessToken).orders.place.mutate({ item: 'vacuum tubes', quantity: 12 })
    const mine = await ordersClient(orders, ada.accessToken).orders.mine.query()
    expect(mine.owner).toBe(ada.user.id)
    expect(mine.orders.map(({ item, quantity }) => ({ item, quantity }))).toEqual([{ item: 'brass gears', quantity: 3 }])
  })

  it('lets only its listed browser origin call it cross-origin (CORS preflight with Authorization), no one else', async () => {
    const preflight = (origin: string) =>
      fetch(`${orders.url}/trpc/orders.mine`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      })
    const allowed = await preflight('https://app.example.com')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization')
    const stranger = await preflight('https://evil.example')
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull()

    const ada = await signIn(bp, 'Ada Lovelace')
    const call = await fetch(`${orders.url}/trpc/orders.mine`, {
      headers: { origin: 'https://app.example.com', authorization: `Bearer ${ada.accessToken}` },
    })
    expect(call.status).toBe(200)
    expect(call.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
  })

  it('refuses without a token, with a forged one, and after logout: 401 invalid_token, no stack', async () => {
    const ada = await signIn(bp, 'Ada Lovelace')
    const none = await callProcedure(orders.url, 'orders.mine')
    expect(none.status).toBe(401)
    expect(none.body.error?.data).toEqual({ code: 'UNAUTHORIZED', httpStatus: 401, path: 'orders.mine', reason: 'invalid_token' })
    expect(JSON.stringify(none.body)).not.toMatch(/stack|at .*\.ts/)

    const forged = await callProcedure(orders.url, 'orders.mine', { bearer: `${ada.accessToken.slice(0, -4)}AAAA` })
    expect(forged.status).toBe(401)

    await expect(callProcedure(bp.url, 'auth.logout', { mutation: { refreshToken: ada.refreshToken } })).resolves.toMatchObject({
      status: 200,
    })
    const error = await ordersClient(orders, ada.accessToken)
      .orders.mine.query()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TRPCClientError)
    expect((error as TRPCClientError<OrdersRouter>).data).toMatchObject({ code: 'UNAUTHORIZED', reason: 'invalid_token' })
  })

  it('answers 400 for a bad order and 503 store_unavailable when Boarding Pass cannot be asked', async () => {
    const ada = await signIn(bp, 'Ada Lovelace')
    const bad = await callProcedure(orders.url, 'orders.place', { bearer: ada.accessToken, mutation: { item: '', quantity: 0 } })
    expect(bad.status).toBe(400)
    const cut = await startOrdersService({ issuer: bp.url, audience: bp.url, url: 'http://127.0.0.1:9', checkRevocation: true })
    try {
      const away = await callProcedure(cut.url, 'orders.mine', { bearer: ada.accessToken })
      expect(away.status).toBe(503)
      expect(away.body.error?.data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'store_unavailable' })
    } finally {
      await cut.close()
    }
  })
})

import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { initTRPC } from '@trpc/server'
import { createHTTPServer } from '@trpc/server/adapters/standalone'
import { isBoardingPassError } from '@boarding-pass/verify'
import { requireAccessToken, type RequireAccessTokenOptions } from '@boarding-pass/verify/trpc'
import { OrderBook, parsePlaceOrder } from './orders.js'

// The request itself: a DPoP-bound token's proof names its method and URL.
const t = initTRPC.context<{ req: IncomingMessage }>().create({
  // The client learns the contract's reason and nothing else: no stack, no cause.
  errorFormatter: ({ shape, error }) => ({
    message: shape.message,
    code: shape.code,
    data: {
      code: shape.data.code,
      httpStatus: shape.data.httpStatus,
      path: shape.data.path,
      reason: isBoardingPassError(error.cause) ? error.cause.reason : undefined,
    },
  }),
})

/** The orders API: `health` for anyone, `orders.*` for signed-in users only. */
export function createOrdersRouter(auth: RequireAccessTokenOptions, book = new OrderBook()) {
  const signedIn = t.procedure.concat(requireAccessToken(auth))
  return t.router({
    health: t.procedure.query(() => ({ status: 'ok' as const })),
    orders: t.router({
      mine: signedIn.query(({ ctx }) => ({ owner: ctx.user.id, orders: book.of(ctx.user.id) })),
      place: signedIn.input(parsePlaceOrder).mutation(({ ctx, input }) => book.place(ctx.user.id, input)),
    }),
  })
}

export type OrdersRouter = ReturnType<typeof createOrdersRouter>

export interface OrdersServiceOptions extends RequireAccessTokenOptions {
  port?: number
  host?: string
}

/** A running orders service; its API is at `{url}/trpc`. */
export interface OrdersService {
  url: string
  server: Server
  close(): Promise<void>
}

/** Starts the orders API with tRPC's standalone adapter. */
export async function startOrdersService(options: OrdersServiceOptions): Promise<OrdersService> {
  const { port = 0, host = '127.0.0.1', ...auth } = options
  const server = createHTTPServer({
    basePath: '/trpc/',
    router: createOrdersRouter(auth),
    createContext: ({ req }) => ({ req }),
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const { port: actual } = server.address() as AddressInfo
  return {
    url: `http://${host}:${actual}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

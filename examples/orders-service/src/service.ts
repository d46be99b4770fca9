import type { IncomingMessage, Server, ServerResponse } from 'node:http'
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
  /** Origins of browser apps allowed to call the API cross-origin (CORS), e.g. `['https://app.example.com']`. Default: none. */
  corsOrigins?: string[]
}

/**
 * CORS for the listed origins only: a browser app on its own origin may send
 * `Authorization` and JSON; any other origin gets no CORS headers (its browser
 * blocks the answer). A preflight is answered here, before tRPC.
 */
function cors(origins: readonly string[]) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const origin = req.headers.origin
    if (origin && origins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin)
      res.setHeader('vary', 'origin')
      if (req.method === 'OPTIONS') {
        res.setHeader('access-control-allow-methods', 'GET, POST')
        res.setHeader('access-control-allow-headers', 'authorization, content-type, dpop')
        res.setHeader('access-control-max-age', '600')
        res.statusCode = 204
        res.end()
        return
      }
    }
    next()
  }
}

/** A running orders service; its API is at `{url}/trpc`. */
export interface OrdersService {
  url: string
  server: Server
  close(): Promise<void>
}

/** Starts the orders API with tRPC's standalone adapter. */
export async function startOrdersService(options: OrdersServiceOptions): Promise<OrdersService> {
  const { port = 0, host = '127.0.0.1', corsOrigins = [], ...auth } = options
  const server = createHTTPServer({
    basePath: '/trpc/',
    middleware: cors(corsOrigins),
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

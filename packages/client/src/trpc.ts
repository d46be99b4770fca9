import { httpBatchLink, httpLink, type TRPCLink } from '@trpc/client'
import type { AnyRouter } from '@trpc/server'
import type { BoardingPassClient } from './client-types.js'

/** What {@link boardingPassLink} takes: `httpBatchLink`'s options (but `fetch`), and whether to batch. */
export type BoardingPassLinkOptions<TRouter extends AnyRouter> = Omit<Parameters<typeof httpBatchLink<TRouter>>[0], 'fetch'> & {
  /** Batch calls made in the same tick into one request (`httpBatchLink`). Default true; false uses `httpLink`. */
  batch?: boolean
}

/**
 * A tRPC link for your own API that sends every call with the Boarding Pass
 * access token (`client.fetch`): refreshed ahead of expiry, and once more,
 * then retried, when the API answers 401 `invalid_token`. `@trpc/client` is
 * an optional peer dependency: only this entry point needs it.
 *
 * @example
 * ```ts
 * import { createTRPCClient } from '@trpc/client'
 * import { boardingPassLink } from '@boarding-pass/client/trpc'
 * import type { AppRouter } from '../server/router'
 *
 * const api = createTRPCClient<AppRouter>({ links: [boardingPassLink(auth, { url: '/api/trpc' })] })
 * const orders = await api.orders.list.query()
 * ```
 */
export function boardingPassLink<TRouter extends AnyRouter>(
  client: BoardingPassClient,
  options: BoardingPassLinkOptions<TRouter>,
): TRPCLink<TRouter> {
  if (!client || typeof client.fetch !== 'function') throw new TypeError('boardingPassLink: pass the Boarding Pass client first')
  const { batch = true, ...rest } = options
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => client.fetch(input, init)
  const linkOptions = { ...rest, fetch } as Parameters<typeof httpBatchLink<TRouter>>[0]
  return batch ? httpBatchLink<TRouter>(linkOptions) : httpLink<TRouter>(linkOptions as Parameters<typeof httpLink<TRouter>>[0])
}

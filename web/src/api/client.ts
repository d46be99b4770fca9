import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client'
import type { AppRouter } from '@boarding-pass/server'

/** The typed API client, no data transformer (the contract's wire format). */
export type ApiClient = ReturnType<typeof createApiClient>

/**
 * Makes the client for `/trpc`: one HTTP request per query or mutation, and
 * subscriptions (`auth.watch`) over Server-Sent Events with the browser's
 * EventSource. `accessToken` is read for every request, so a token rotated a
 * moment ago is the one sent; subscriptions carry none (EventSource cannot send
 * headers, and `auth.watch` needs none).
 */
export function createApiClient(accessToken: () => string | undefined) {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: '/trpc' }),
        false: httpLink({
          url: '/trpc',
          headers() {
            const token = accessToken()
            return token ? { authorization: `Bearer ${token}` } : {}
          },
        }),
      }),
    ],
  })
}

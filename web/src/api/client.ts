import { createTRPCClient, httpLink } from '@trpc/client'
import type { AppRouter } from '@boarding-pass/server'

/** The typed API client: one HTTP request per call, no data transformer (the contract's wire format). */
export type ApiClient = ReturnType<typeof createApiClient>

/**
 * Makes the client for `/trpc`. `accessToken` is read for every request, so a
 * token rotated a moment ago is the one sent.
 */
export function createApiClient(accessToken: () => string | undefined) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: '/trpc',
        headers() {
          const token = accessToken()
          return token ? { authorization: `Bearer ${token}` } : {}
        },
      }),
    ],
  })
}

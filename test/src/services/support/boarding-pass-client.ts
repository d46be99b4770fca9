import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client'
import { isReason, type Reason } from '@boarding-pass/shared'
import type { AppRouter } from '@boarding-pass/server'

/**
 * Test helper (formerly `@boarding-pass/server/client`, which the server no longer
 * exports: apps use `@boarding-pass/client`): a typed tRPC client for Boarding Pass.
 */

/** A typed tRPC client for Boarding Pass: `client.auth.me.query()`, `client.auth.introspect.mutate({ token })`, … */
export type BoardingPassClient = TRPCClient<AppRouter>

/** The access token to send, or nothing for a call without one. May be async (read from a cache, refreshed). */
export type AccessTokenSource = () => string | null | undefined | Promise<string | null | undefined>

export interface BoardingPassClientOptions {
  /** Boarding Pass's base URL (its PUBLIC_URL, or an internal address); the API is at `{url}/trpc`. */
  url: string
  /** Called before every request; its token goes out as `Authorization: Bearer <token>`. */
  getAccessToken?: AccessTokenSource
  /** A fetch of your own (proxies, tests); the global one otherwise. */
  fetch?: typeof fetch
}

/**
 * A fully typed tRPC client for Boarding Pass, for Node services and scripts:
 * one HTTP request per call (`httpLink`), no data transformer, as the wire
 * contract says. Refusals reject with a `TRPCClientError` whose `data.reason`
 * is the contract's reason (read it with {@link getErrorReason}).
 *
 * @example
 * ```ts
 * import { createBoardingPassClient, getErrorReason } from './boarding-pass-client.js'
 *
 * const boardingPass = createBoardingPassClient({
 *   url: 'https://login.example.com',
 *   getAccessToken: () => session.accessToken,
 * })
 * try {
 *   const user = await boardingPass.auth.me.query()
 * } catch (error) {
 *   if (getErrorReason(error) === 'invalid_token') await session.refresh()
 * }
 * ```
 */
export function createBoardingPassClient(options: BoardingPassClientOptions): BoardingPassClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('createBoardingPassClient: options are required')
  if (typeof options.url !== 'string' || !/^https?:\/\/[^?#]+$/.test(options.url)) {
    throw new TypeError('createBoardingPassClient: url must be an absolute http(s) URL without a query')
  }
  const url = options.url.replace(/\/+$/, '')
  const { getAccessToken } = options
  if (getAccessToken !== undefined && typeof getAccessToken !== 'function') {
    throw new TypeError('createBoardingPassClient: getAccessToken must be a function')
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError('createBoardingPassClient: fetch must be a function')
  }
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/trpc`,
        fetch: options.fetch,
        async headers() {
          const token = await getAccessToken?.()
          return token ? { authorization: `Bearer ${token}` } : {}
        },
      }),
    ],
  })
}

/**
 * The contract's refusal reason carried by a failed call (`error.data.reason`),
 * or undefined for anything else (a network failure, a bug).
 *
 * @example
 * ```ts
 * const reason = getErrorReason(error) // 'invalid_grant', 'rate_limited', …
 * ```
 */
export function getErrorReason(error: unknown): Reason | undefined {
  // Read structurally rather than with instanceof, so an error from another copy of @trpc/client counts too.
  if (!(error instanceof Error) || error.name !== 'TRPCClientError') return undefined
  const reason = (error as { data?: { reason?: unknown } | null }).data?.reason
  return isReason(reason) ? reason : undefined
}

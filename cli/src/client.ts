import type { AppRouter } from '@boarding-pass/server'
import { TRPCClientError, createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client'
import { EventSource } from 'eventsource'

/**
 * A typed Boarding Pass client: mutations and queries over plain HTTP,
 * subscriptions (`auth.watch`) over Server-Sent Events. Node 20 has no global
 * `EventSource`, so the `eventsource` package supplies one.
 */
export function createClient(baseUrl: string, options: { accessToken?: string } = {}): Client {
  const url = `${baseUrl.replace(/\/+$/, '')}/trpc`
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url, EventSource }),
        false: httpLink({
          url,
          headers: () => (options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {}),
        }),
      }),
    ],
  })
}

export type Client = TRPCClient<AppRouter>

/** What a finished login leaves the CLI with. Tokens stay in this process's memory. */
export interface Login {
  user: { id: string; provider: string; name?: string; email?: string }
  accessToken: string
  refreshToken: string
  expiresIn: number
}

/**
 * Step 3 and a first protected call: redeems the Server Code with our Client
 * Code (`auth.complete`), then asks who we are (`auth.me`) with the new access
 * token, as any app would.
 */
export async function redeem(baseUrl: string, clientCode: string, serverCode: string): Promise<Login> {
  const tokens = await createClient(baseUrl).auth.complete.mutate({ clientCode, serverCode })
  const user = await createClient(baseUrl, { accessToken: tokens.accessToken }).auth.me.query()
  return { user, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresIn: tokens.expiresIn }
}

/** The contract's `reason` of a refusal (`redirect_uri_not_allowed`, …), if `error` is one. */
export function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined
  const data = (error as TRPCClientError<AppRouter>).data as { reason?: unknown } | undefined
  return typeof data?.reason === 'string' ? data.reason : undefined
}

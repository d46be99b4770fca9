import type { AppRouter } from '@boarding-pass/server'
import { TRPCClientError, createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client'
import { EventSource } from 'eventsource'
import { dpopProof, loadDpopKey, type DpopKey } from './dpop-key.js'

/**
 * A typed Boarding Pass client: mutations and queries over plain HTTP,
 * subscriptions (`auth.watch`) over Server-Sent Events. Node 20 has no global
 * `EventSource`, so the `eventsource` package supplies one. With `dpopKey`
 * every call carries a fresh DPoP proof for its method and URL (v1.2): at
 * `auth.complete` and `auth.refresh` it binds the tokens to the key, and a
 * bound access token goes as `Authorization: DPoP` with the proof covering it.
 */
export function createClient(baseUrl: string, options: { accessToken?: string; dpopKey?: DpopKey } = {}): Client {
  const url = `${baseUrl.replace(/\/+$/, '')}/trpc`
  const { accessToken, dpopKey } = options
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url, EventSource }),
        false: httpLink({
          url,
          headers: async ({ op }) => {
            if (!dpopKey) return accessToken ? { authorization: `Bearer ${accessToken}` } : {}
            // httpLink sends queries as GET and mutations as POST, one call per request, to `{url}/{path}`.
            const proof = await dpopProof(dpopKey, op.type === 'query' ? 'GET' : 'POST', `${url}/${op.path}`, accessToken)
            return accessToken ? { authorization: `DPoP ${accessToken}`, dpop: proof } : { dpop: proof }
          },
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
  /** `DPoP` when the tokens are bound to the CLI's key (they are, against a v1.2 server). */
  tokenType: 'Bearer' | 'DPoP'
  /** The key they are bound to, when they are: its thumbprint and where it is kept. */
  dpop?: { jkt: string; file: string }
}

/**
 * Step 3 and a first protected call: redeems the Server Code with our Client
 * Code (`auth.complete`, with a DPoP proof by this user's key, so the tokens
 * are bound to it), then asks who we are (`auth.me`) with the new access
 * token, as any app would.
 */
export async function redeem(baseUrl: string, clientCode: string, serverCode: string): Promise<Login> {
  const dpopKey = await loadDpopKey()
  const tokens = await createClient(baseUrl, { dpopKey }).auth.complete.mutate({ clientCode, serverCode })
  const bound = tokens.tokenType === 'DPoP'
  const user = await createClient(baseUrl, {
    accessToken: tokens.accessToken,
    dpopKey: bound ? dpopKey : undefined,
  }).auth.me.query()
  return {
    user,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: tokens.expiresIn,
    tokenType: tokens.tokenType,
    ...(bound ? { dpop: { jkt: dpopKey.jkt, file: dpopKey.file } } : {}),
  }
}

/** The contract's `reason` of a refusal (`redirect_uri_not_allowed`, …), if `error` is one. */
export function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined
  const data = (error as TRPCClientError<AppRouter>).data as { reason?: unknown } | undefined
  return typeof data?.reason === 'string' ? data.reason : undefined
}

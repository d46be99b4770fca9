import {
  createClientCodePair,
  tokenResponse,
  type ClientCodePair,
  type HashMethod,
  type TokenResponse,
} from '@boarding-pass/shared'
import { expect } from 'vitest'
import { browserlessLogin } from './browserless-login.js'
import { callProcedure } from './trpc-http.js'

/** Step 1 done: the flow, and the Client Code the client keeps for it. */
export interface StartedFlow {
  pair: ClientCodePair
  flowId: string
  authorizationUrl: string
  expiresAt: string
  redirectUri: string
}

/** Makes a Client Code pair and calls `auth.start` at `baseUrl`, asserting it succeeds. */
export async function beginFlow(
  baseUrl: string,
  options: { redirectUri: string; provider?: string; hashMethod?: HashMethod },
): Promise<StartedFlow> {
  const pair = await createClientCodePair(options.hashMethod)
  const response = await callProcedure<{ flowId: string; authorizationUrl: string; expiresAt: string }>(baseUrl, 'auth.start', {
    mutation: {
      provider: options.provider ?? 'acme',
      clientCodeHash: pair.clientCodeHash,
      hashMethod: pair.hashMethod,
      redirectUri: options.redirectUri,
    },
  })
  expect(response.status, JSON.stringify(response.body)).toBe(200)
  const started = response.body.result!.data
  // expiresAt is ISO 8601 (contract) and ahead of now.
  expect(started.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
  expect(Date.parse(started.expiresAt)).toBeGreaterThan(Date.now() - 60_000)
  return { pair, redirectUri: options.redirectUri, ...started }
}

/**
 * Logs in at the provider and returns where the provider sends the browser
 * back (`{PUBLIC_URL}/auth/callback?code=…&state=…&iss=…`), without going there.
 */
export function loginAtProvider(
  flow: StartedFlow,
  publicUrl: string,
  options: { name?: string; deny?: boolean } = {},
): Promise<URL> {
  return browserlessLogin(flow.authorizationUrl, { ...options, stopAt: `${publicUrl}/auth/callback` })
}

/** Sends the browser's callback request to one instance (`address`), not following its redirect. */
export function sendCallback(address: string, callback: URL | string): Promise<Response> {
  const search = typeof callback === 'string' ? callback : callback.search
  return fetch(`${address}/auth/callback${search}`, { redirect: 'manual' })
}

/** Steps 1 and 2 at `baseUrl`: the Server Code the app's redirect URI receives, with the flow it belongs to. */
export async function obtainServerCode(
  baseUrl: string,
  options: { redirectUri: string; provider?: string; hashMethod?: HashMethod; name?: string },
): Promise<{ flow: StartedFlow; serverCode: string; back: URL }> {
  const flow = await beginFlow(baseUrl, options)
  const back = await browserlessLogin(flow.authorizationUrl, { name: options.name, stopAt: options.redirectUri })
  const serverCode = back.searchParams.get('server_code')
  expect(serverCode, `no server_code in ${back.href}`).toBeTruthy()
  expect(back.searchParams.get('flow')).toBe(flow.flowId)
  return { flow, serverCode: serverCode!, back }
}

/** The whole flow at `baseUrl`: the token response of `auth.complete`. */
export async function signIn(
  baseUrl: string,
  options: { redirectUri: string; provider?: string; name?: string },
): Promise<TokenResponse> {
  const { flow, serverCode } = await obtainServerCode(baseUrl, options)
  const response = await callProcedure(baseUrl, 'auth.complete', {
    mutation: { clientCode: flow.pair.clientCode, serverCode },
  })
  expect(response.status, JSON.stringify(response.body)).toBe(200)
  return tokenResponse.parse(response.body.result!.data)
}

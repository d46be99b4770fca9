import { Writable } from 'node:stream'
import { parseSettings, startApp, type App } from '@boarding-pass/server'
import { tokenResponse, type TokenResponse } from '@boarding-pass/shared'
import { createClientCodePair } from '@boarding-pass/shared'
import { browserlessLogin } from '../../support/browserless-login.js'
import { freePort } from '../../support/ports.js'
import { callProcedure } from '../../support/trpc-http.js'

/** Boarding Pass as these tests run it: real HTTP on loopback, Redis, and optionally an injected clock. */
export interface Broker {
  /** Its PUBLIC_URL: the tokens' issuer and audience. */
  url: string
  /** Where this instance listens (differs from `url` for a second instance of the same service). */
  address: string
  app: App
  close(): Promise<void>
}

export interface BrokerOptions {
  now?: () => number
  keyCheckIntervalMs?: number
}

/**
 * Starts Boarding Pass with the development provider and no rate limits (these
 * tests sign in often from one address). Pass `PUBLIC_URL` to start a second
 * instance of the same service.
 */
export async function startBroker(env: Record<string, string>, options: BrokerOptions = {}): Promise<Broker> {
  const port = await freePort()
  const settings = parseSettings({ LOG_LEVEL: 'warn', AUTH_RATE_LIMITS: 'off', ...env, PORT: String(port), HOST: '127.0.0.1' })
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() })
  const app = await startApp(settings, { ...options, logDestination: quiet })
  return { url: settings.publicUrl, address: app.address, app, close: () => app.close() }
}

/**
 * The whole two-code flow against the development provider: `name` signs in, the
 * token response comes back. With `dpop`, `auth.complete` carries the proof it
 * makes for the URL given (the tokens come back bound to its key).
 */
export async function signIn(
  broker: Broker,
  name = 'Ada Lovelace',
  options: { dpop?: (htu: string) => Promise<string> } = {},
): Promise<TokenResponse> {
  const pair = await createClientCodePair()
  const redirectUri = `${broker.url}/callback`
  const start = await callProcedure<{ authorizationUrl: string }>(broker.url, 'auth.start', {
    mutation: { provider: 'dev', clientCodeHash: pair.clientCodeHash, hashMethod: pair.hashMethod, redirectUri },
  })
  if (start.status !== 200) throw new Error(`auth.start: ${JSON.stringify(start.body)}`)
  const back = await browserlessLogin(start.body.result!.data.authorizationUrl, { name, stopAt: redirectUri })
  const serverCode = back.searchParams.get('server_code')
  if (!serverCode) throw new Error(`no server_code in ${back.href}`)
  const headers = options.dpop ? { dpop: await options.dpop(`${broker.url}/trpc/auth.complete`) } : undefined
  const complete = await callProcedure(broker.url, 'auth.complete', {
    mutation: { clientCode: pair.clientCode, serverCode },
    headers,
  })
  if (complete.status !== 200) throw new Error(`auth.complete: ${JSON.stringify(complete.body)}`)
  return tokenResponse.parse(complete.body.result!.data)
}

/** `auth.refresh` at `address`: a new token pair (signed with whatever key signs now). */
export async function refresh(address: string, refreshToken: string): Promise<TokenResponse> {
  const response = await callProcedure(address, 'auth.refresh', { mutation: { refreshToken } })
  if (response.status !== 200) throw new Error(`auth.refresh: ${JSON.stringify(response.body)}`)
  return tokenResponse.parse(response.body.result!.data)
}

/** The `kid` a token was signed with. */
export function kidOf(token: string): string {
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid?: string }
  return header.kid!
}

/** The kids an instance publishes, sorted. */
export async function publishedKids(address: string): Promise<string[]> {
  const response = await fetch(`${address}/.well-known/jwks.json`)
  if (response.status !== 200) throw new Error(`jwks: ${response.status}`)
  const { keys } = (await response.json()) as { keys: { kid: string }[] }
  return keys.map((key) => key.kid).sort()
}

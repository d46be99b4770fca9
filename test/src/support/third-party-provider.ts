import { createServer } from 'node:http'
import { createDevProvider } from '@boarding-pass/server'
import { freePort } from './ports.js'

/** A real OpenID provider (`oidc-provider`) on its own port, playing "a third party" in tests. */
export interface ThirdPartyProvider {
  issuer: string
  clientId: string
  clientSecret: string
  close(): Promise<void>
}

/**
 * Starts a separate `oidc-provider` instance (not Boarding Pass's development
 * provider) with one client registered for `redirectUris`.
 */
export async function startThirdPartyProvider(options: {
  redirectUris: string[]
  port?: number
  tokenAuthMethod?: 'client_secret_basic' | 'client_secret_post'
  /** What the provider's `email_verified` claim says (default true). */
  emailVerified?: boolean
}): Promise<ThirdPartyProvider> {
  const port = options.port ?? (await freePort())
  const issuer = `http://127.0.0.1:${port}/oidc`
  const client = {
    clientId: 'acme-client',
    clientSecret: 'acme-secret-for-tests-only',
    redirectUris: options.redirectUris,
    tokenAuthMethod: options.tokenAuthMethod,
  }
  const provider = createDevProvider({ issuer, clients: [client], title: 'Acme ID', emailVerified: options.emailVerified })
  const server = createServer((req, res) => {
    if (!provider.handle(req, res)) {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

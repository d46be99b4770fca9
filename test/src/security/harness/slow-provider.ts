import { createServer } from 'node:http'
import { createDevProvider } from '@boarding-pass/server'
import { freePort } from '../../support/ports.js'
import type { ThirdPartyProvider } from '../../support/third-party-provider.js'

/** A third-party OpenID provider whose token endpoint can be made slow, as a provider under load is. */
export interface SlowProvider extends ThirdPartyProvider {
  /** From now on, every token request waits `ms` before it is answered (0: at once). */
  setTokenDelay(ms: number): void
  /** Token requests seen so far. */
  readonly tokenRequests: number
}

/** Like `startThirdPartyProvider`, with a token endpoint the test can slow down. */
export async function startSlowProvider(options: { redirectUris: string[] }): Promise<SlowProvider> {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}/oidc`
  const client = { clientId: 'acme-client', clientSecret: 'acme-secret-for-tests-only', redirectUris: options.redirectUris }
  const provider = createDevProvider({ issuer, clients: [client], title: 'Acme ID' })
  let delay = 0
  let tokenRequests = 0
  const server = createServer((req, res) => {
    const isToken = req.method === 'POST' && (req.url ?? '').split('?')[0]!.endsWith('/token')
    if (isToken) tokenRequests++
    const handle = () => {
      if (!provider.handle(req, res)) res.writeHead(404).end()
    }
    if (isToken && delay > 0) setTimeout(handle, delay)
    else handle()
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    setTokenDelay(ms) {
      delay = ms
    },
    get tokenRequests() {
      return tokenRequests
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

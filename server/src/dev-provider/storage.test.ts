import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { createDevProvider } from './index.js'

/** oidc-provider's AsyncLocalStorage, as the development provider sees it. */
const storage = (await import('oidc-provider/lib/helpers/als.js' as string)).default as { enabled?: boolean }

describe('the development provider and async hooks', () => {
  let server: Server | undefined
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  it('leaves no AsyncLocalStorage enabled once its requests are answered (no promise hook on every later request)', async () => {
    server = createServer()
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev-idp`
    const provider = createDevProvider({
      issuer,
      clients: [{ clientId: 'app', clientSecret: 'secret', redirectUris: ['http://127.0.0.1/cb'] }],
    })
    server.on('request', (req, res) => {
      if (!provider.handle(req, res)) res.writeHead(404).end()
    })
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => fetch(`${issuer}/.well-known/openid-configuration`).then((r) => r.json())),
    )
    for (const answer of answers) expect((answer as { issuer: string }).issuer).toBe(issuer)
    // oidc-provider ran each request in its storage (enabling it); the last answer disabled it again.
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(storage.enabled).toBe(false)
  })
})

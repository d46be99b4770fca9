import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { freePort } from '../support/ports.js'
import { CONTRACT_REASONS, expectNothingInternal } from '../support/refusal.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure } from '../support/trpc-http.js'

describe('an OpenID provider that cannot be reached at auth.start', () => {
  let bp: TestInstance
  let idp: ThirdPartyProvider | undefined
  let idpPort: number
  let input: Record<string, string>

  beforeAll(async () => {
    idpPort = await freePort()
    const port = await freePort()
    bp = await startBoardingPass(
      {
        REDIS_URL: inject('redisUrl'),
        AUTH_RATE_LIMITS: 'off',
        AUTH_PROVIDERS: 'acme',
        // Nothing listens there yet: discovery fails.
        AUTH_ACME_ISSUER: `http://127.0.0.1:${idpPort}/oidc`,
        AUTH_ACME_ID: 'acme-client',
        AUTH_ACME_SECRET: 'acme-secret-for-tests-only',
      },
      port,
    )
    input = {
      provider: 'acme',
      clientCodeHash: (await createClientCodePair()).clientCodeHash,
      hashMethod: 'sha256',
      redirectUri: `${bp.url}/callback`,
    }
  })
  afterAll(async () => {
    await bp?.close()
    await idp?.close()
  })

  it('is refused with 503 and a reason from the contract’s table', async () => {
    const response = await callProcedure(bp.address, 'auth.start', { mutation: input })
    expect(response.status).toBe(503)
    expect(Object.keys(CONTRACT_REASONS)).toContain(response.body.error?.data.reason)
    expectNothingInternal(response.body)
    expect(JSON.stringify(response.body)).not.toContain(String(idpPort))
  })

  it('does not need a restart: once the provider is up, the next auth.start works', async () => {
    idp = await startThirdPartyProvider({ redirectUris: [`${bp.url}/auth/callback`], port: idpPort })
    const response = await callProcedure(bp.address, 'auth.start', { mutation: input })
    expect(response.status).toBe(200)
  })
})

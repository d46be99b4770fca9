import { createClientCodePair } from '@boarding-pass/shared'
import { afterEach, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { startService } from '../support/service.js'
import { callProcedure } from '../support/trpc-http.js'

/**
 * How Boarding Pass authenticates at a provider's token endpoint: client_secret_basic
 * by default (what a client registered without saying otherwise uses), or
 * client_secret_post with AUTH_<ID>_TOKEN_AUTH_METHOD.
 */
describe('client authentication at the provider’s token endpoint', () => {
  const running: { close(): Promise<void> }[] = []
  afterEach(async () => {
    for (const part of running.splice(0).reverse()) await part.close()
  })

  async function setUp(registered: 'client_secret_basic' | 'client_secret_post', configured?: 'client_secret_post') {
    const service = await startService({
      tokenAuthMethod: registered,
      env: configured ? { AUTH_ACME_TOKEN_AUTH_METHOD: configured } : {},
    })
    running.push(service)
    return service.bp
  }

  async function login(bp: TestInstance): Promise<URL> {
    const pair = await createClientCodePair()
    const start = await callProcedure<{ authorizationUrl: string }>(bp.url, 'auth.start', {
      mutation: {
        provider: 'acme',
        clientCodeHash: pair.clientCodeHash,
        hashMethod: 'sha256',
        redirectUri: `${bp.url}/callback`,
      },
    })
    return browserlessLogin(start.body.result!.data.authorizationUrl, { stopAt: `${bp.url}/callback` })
  }

  it('signs in with the default token-endpoint authentication (client_secret_basic)', async () => {
    const back = await login(await setUp('client_secret_basic'))
    expect(back.searchParams.get('server_code')).toBeTruthy()
  })

  it('uses client_secret_post when AUTH_<ID>_TOKEN_AUTH_METHOD says so', async () => {
    const back = await login(await setUp('client_secret_post', 'client_secret_post'))
    expect(back.searchParams.get('server_code')).toBeTruthy()
  })

  it('a wrong value is refused at start, naming the variable', async () => {
    await expect(
      startBoardingPass({
        AUTH_PROVIDERS: 'acme',
        AUTH_ACME_ISSUER: 'http://127.0.0.1:1/x',
        AUTH_ACME_ID: 'a',
        AUTH_ACME_SECRET: 'b',
        AUTH_ACME_TOKEN_AUTH_METHOD: 'none',
      }),
    ).rejects.toThrow(/AUTH_ACME_TOKEN_AUTH_METHOD/)
  })
})

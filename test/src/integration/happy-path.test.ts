import { createClientCodePair, tokenResponse, userSchema } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { startService, type Service } from '../support/service.js'
import type { ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure } from '../support/trpc-http.js'

describe('the two-code flow against a third-party OpenID provider, with Redis', () => {
  let service: Service
  let idp: ThirdPartyProvider
  let bp: TestInstance

  beforeAll(async () => {
    service = await startService()
    ;({ idp, bp } = service)
  })
  afterAll(() => service?.close())

  it('signs in: start, provider login, callback, complete, me', async () => {
    const providers = await callProcedure(bp.url, 'auth.providers')
    expect(providers.body.result?.data).toEqual([{ id: 'acme', name: 'Acme ID' }])

    const pair = await createClientCodePair()
    const start = await callProcedure<{ flowId: string; authorizationUrl: string; expiresAt: string }>(bp.url, 'auth.start', {
      mutation: {
        provider: 'acme',
        clientCodeHash: pair.clientCodeHash,
        hashMethod: 'sha256',
        redirectUri: `${bp.url}/callback`,
      },
    })
    expect(start.status).toBe(200)
    const { flowId, authorizationUrl, expiresAt } = start.body.result!.data
    expect(authorizationUrl.startsWith(idp.issuer)).toBe(true)
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now())

    const back = await browserlessLogin(authorizationUrl, { name: 'Ada Lovelace', stopAt: `${bp.url}/callback` })
    expect(back.searchParams.get('flow')).toBe(flowId)
    const serverCode = back.searchParams.get('server_code')!
    expect(serverCode.length).toBeGreaterThanOrEqual(22)

    const complete = await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: pair.clientCode, serverCode } })
    expect(complete.status).toBe(200)
    const tokens = tokenResponse.parse(complete.body.result!.data)
    expect(tokens.user).toMatchObject({ id: 'acme:ada-lovelace', provider: 'acme', name: 'Ada Lovelace' })

    const me = await callProcedure(bp.url, 'auth.me', { bearer: tokens.accessToken })
    expect(userSchema.parse(me.body.result!.data)).toEqual(tokens.user)
  })
})

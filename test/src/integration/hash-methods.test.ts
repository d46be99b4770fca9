import { HASH_METHODS, generateClientCode, hashClientCode, tokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserlessLogin } from '../support/browserless-login.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { callProcedure } from '../support/trpc-http.js'

describe('every allowed hashMethod boards end to end', () => {
  let service: Service

  beforeAll(async () => {
    service = await startService()
  })
  afterAll(() => service?.close())

  /** Steps 1 and 2 with a Client Code of `bytes` random bytes hashed with `method`. */
  async function serverCodeFor(clientCode: string, method: (typeof HASH_METHODS)[number]) {
    const start = await callProcedure<{ flowId: string; authorizationUrl: string }>(service.bp.url, 'auth.start', {
      mutation: {
        provider: 'acme',
        clientCodeHash: await hashClientCode(clientCode, method),
        hashMethod: method,
        redirectUri: service.redirectUri,
      },
    })
    expect(start.status).toBe(200)
    const back = await browserlessLogin(start.body.result!.data.authorizationUrl, { stopAt: service.redirectUri })
    return back.searchParams.get('server_code')!
  }

  it.each(
    HASH_METHODS.flatMap((method) => [
      [method, 32],
      [method, 96],
    ]) as [(typeof HASH_METHODS)[number], number][],
  )('%s with a Client Code of %i bytes', async (method, bytes) => {
    const clientCode = generateClientCode(bytes)
    const serverCode = await serverCodeFor(clientCode, method)
    const complete = await callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode, serverCode } })
    expect(complete.status).toBe(200)
    tokenResponse.parse(complete.body.result!.data)
  })

  it('a Client Code with the unreserved characters . and ~ (RFC 7636 allows them; base64url never makes them)', async () => {
    const clientCode = `${generateClientCode()}.~_-`
    const serverCode = await serverCodeFor(clientCode, 'sha256')
    expect((await callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode, serverCode } })).status).toBe(200)
  })

  it('the Client Code is checked with the flow’s own method: a sha512 flow refuses a code that is only right under sha256', async () => {
    const clientCode = generateClientCode()
    const serverCode = await serverCodeFor(clientCode, 'sha512')
    const other = generateClientCode()
    expectRefusal(
      await callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode: other, serverCode } }),
      'invalid_grant',
    )
  })
})

import { createClientCodePair, generateClientCode, tokenResponse } from '@boarding-pass/shared'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { obtainServerCode } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

const complete = (baseUrl: string, clientCode: string, serverCode: string) =>
  callProcedure(baseUrl, 'auth.complete', { mutation: { clientCode, serverCode } })

describe('invalid_grant: auth.complete with a pair that does not board', () => {
  let service: Service
  /** The same service with a 1 s Server Code lifetime, for expiry. */
  let shortLived: Service

  beforeAll(async () => {
    ;[service, shortLived] = await Promise.all([startService(), startService({ env: { AUTH_SERVER_CODE_TTL: '1' } })])
  })
  afterAll(async () => {
    await Promise.all([service?.close(), shortLived?.close()])
  })

  it('an unknown Server Code is refused with 401, whatever the Client Code', async () => {
    const error = expectRefusal(
      await complete(service.bp.url, generateClientCode(), randomBytes(32).toString('base64url')),
      'invalid_grant',
    )
    expect(error.data.path).toBe('auth.complete')
  })

  it('a wrong Client Code is refused, and spends the Server Code: the right one fails after it', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const wrong = await complete(service.bp.url, generateClientCode(), serverCode)
    expectRefusal(wrong, 'invalid_grant')
    const right = await complete(service.bp.url, flow.pair.clientCode, serverCode)
    expectRefusal(right, 'invalid_grant')
  })

  it('the Client Code of another live flow is refused; that other flow still completes with its own code', async () => {
    const a = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri, name: 'Alice' })
    const b = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri, name: 'Bob' })
    expectRefusal(await complete(service.bp.url, b.flow.pair.clientCode, a.serverCode), 'invalid_grant')
    const ok = await complete(service.bp.url, b.flow.pair.clientCode, b.serverCode)
    expect(ok.status).toBe(200)
    expect(tokenResponse.parse(ok.body.result!.data).user.name).toBe('Bob')
  })

  it('the Client Code Hash in place of the Client Code is refused (the hash is public, the code is the proof)', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    expectRefusal(await complete(service.bp.url, flow.pair.clientCodeHash, serverCode), 'invalid_grant')
  })

  it('the two codes swapped are refused (and, naming no live Server Code, spend none: the real pair still boards)', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    expectRefusal(await complete(service.bp.url, serverCode, flow.pair.clientCode), 'invalid_grant')
    expect((await complete(service.bp.url, flow.pair.clientCode, serverCode)).status).toBe(200)
  })

  it('an expired Server Code is refused (AUTH_SERVER_CODE_TTL=1, redeemed 1.2 s later)', async () => {
    const { flow, serverCode } = await obtainServerCode(shortLived.bp.url, { redirectUri: shortLived.redirectUri })
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    expectRefusal(await complete(shortLived.bp.url, flow.pair.clientCode, serverCode), 'invalid_grant')
  })

  it('a Server Code within AUTH_SERVER_CODE_TTL=1 still boards (the expiry test above is not a false positive)', async () => {
    const { flow, serverCode } = await obtainServerCode(shortLived.bp.url, { redirectUri: shortLived.redirectUri })
    expect((await complete(shortLived.bp.url, flow.pair.clientCode, serverCode)).status).toBe(200)
  })

  it('does not say which half was wrong: a wrong Client Code and an unknown Server Code get the same answer', async () => {
    const { serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const wrongClient = await complete(service.bp.url, generateClientCode(), serverCode)
    const unknownServer = await complete(service.bp.url, generateClientCode(), randomBytes(32).toString('base64url'))
    expectRefusal(wrongClient, 'invalid_grant')
    expectRefusal(unknownServer, 'invalid_grant')
    expect(wrongClient.status).toBe(unknownServer.status)
    expect(wrongClient.body).toEqual(unknownServer.body)
    expect(wrongClient.body.error!.message).not.toMatch(/client|server code|hash|verifier|match/i)
  })

  it('never echoes either code in the refusal', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const other = await createClientCodePair()
    const response = await complete(service.bp.url, other.clientCode, serverCode)
    const text = JSON.stringify(response.body)
    for (const secret of [serverCode, other.clientCode, other.clientCodeHash, flow.pair.clientCode, flow.pair.clientCodeHash]) {
      expect(text).not.toContain(secret)
    }
  })
})

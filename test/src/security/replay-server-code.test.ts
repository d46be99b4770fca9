import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { beginFlow, loginAtProvider, obtainServerCode, sendCallback } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Replay (RFC 9700 §4.5, §2.1.1): a Server Code is redeemable once; the
 * provider's callback that minted it works once; both expire.
 */
describe('replay of a Server Code and of the callback', () => {
  let service: Service

  beforeAll(async () => {
    service = await startAttackedService()
  })
  afterAll(() => service?.close())

  const complete = (clientCode: string, serverCode: string) =>
    callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode, serverCode } })

  it('a Server Code redeemed once is invalid_grant the second time, even with its own Client Code', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    expect((await complete(flow.pair.clientCode, serverCode)).status).toBe(200)
    expectRefusal(await complete(flow.pair.clientCode, serverCode), 'invalid_grant')
    expectRefusal(await complete(flow.pair.clientCode, serverCode), 'invalid_grant')
  })

  it('a replayed Server Code is refused exactly as an unknown one is (same status, code and message)', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    await complete(flow.pair.clientCode, serverCode)
    const replayed = expectRefusal(await complete(flow.pair.clientCode, serverCode), 'invalid_grant')
    const unknown = expectRefusal(await complete(flow.pair.clientCode, 'S'.repeat(43)), 'invalid_grant')
    expect(replayed).toEqual(unknown)
  })

  it('the provider callback replayed (back button, history, a copied URL) gets the 400 page and no second Server Code', async () => {
    const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const callbackUrl = await loginAtProvider(flow, service.publicUrl)
    const first = await sendCallback(service.bp.address, callbackUrl)
    expect(first.status).toBe(302)
    expect(new URL(first.headers.get('location')!).searchParams.get('server_code')).toBeTruthy()
    for (let i = 0; i < 3; i++) {
      const again = await sendCallback(service.bp.address, callbackUrl)
      expect(again.status).toBe(400)
      expect(again.headers.get('location')).toBeNull()
      expect(again.headers.get('content-type')).toContain('text/html')
      expect(await again.text()).not.toContain('server_code')
    }
  })

  it('two callbacks for one flow at once: exactly one gets a Server Code', async () => {
    const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const callbackUrl = await loginAtProvider(flow, service.publicUrl)
    const answers = await Promise.all(Array.from({ length: 5 }, () => sendCallback(service.bp.address, callbackUrl)))
    const codes = answers
      .filter((answer) => answer.status === 302)
      .map((answer) => new URL(answer.headers.get('location')!).searchParams.get('server_code'))
      .filter(Boolean)
    expect(codes).toHaveLength(1)
    expect(answers.filter((answer) => answer.status === 400)).toHaveLength(4)
  })

  describe('expiry', () => {
    let shortLived: Service

    beforeAll(async () => {
      shortLived = await startAttackedService({ env: { AUTH_SERVER_CODE_TTL: '1' } })
    })
    afterAll(() => shortLived?.close())

    it('a Server Code not redeemed within its lifetime is invalid_grant, with its right Client Code', async () => {
      const { flow, serverCode } = await obtainServerCode(shortLived.bp.url, { redirectUri: shortLived.redirectUri })
      await new Promise((resolve) => setTimeout(resolve, 1_300))
      const late = await callProcedure(shortLived.bp.url, 'auth.complete', {
        mutation: { clientCode: flow.pair.clientCode, serverCode },
      })
      expectRefusal(late, 'invalid_grant')
    })
  })
})

import { createClientCodePair, generateClientCode } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { obtainServerCode } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * A stolen Server Code is worth one guess at the Client Code: a wrong one
 * spends it, so the guess cannot be repeated, and the refusal does not say
 * which half was wrong (PROTOCOL.md, Errors).
 */
describe('a wrong Client Code spends the Server Code', () => {
  let service: Service

  beforeAll(async () => {
    service = await startAttackedService()
  })
  afterAll(() => service?.close())

  const complete = (clientCode: string, serverCode: string) =>
    callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode, serverCode } })

  it.each([
    ['a random Client Code', () => generateClientCode()],
    ['the Client Code with its last character changed', (own: string) => own.slice(0, -1) + (own.endsWith('A') ? 'B' : 'A')],
    ['the Client Code in upper case', (own: string) => own.toUpperCase()],
    ['the Client Code with a character more', (own: string) => `${own}x`],
  ])('%s: invalid_grant, and then the right Client Code is invalid_grant too', async (_why, wrong) => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const guess = wrong(flow.pair.clientCode)
    expect(guess).not.toBe(flow.pair.clientCode)
    expectRefusal(await complete(guess, serverCode), 'invalid_grant')
    expectRefusal(await complete(flow.pair.clientCode, serverCode), 'invalid_grant')
  })

  it('the Client Code Hash offered as the Client Code (what an observer of step 1 has) is refused and spends the code', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    expectRefusal(await complete(flow.pair.clientCodeHash, serverCode), 'invalid_grant')
    expectRefusal(await complete(flow.pair.clientCode, serverCode), 'invalid_grant')
  })

  it('a Client Code valid for another flow (the attacker’s own) does not open the victim’s', async () => {
    const victim = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri, name: 'Victim' })
    const attacker = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri, name: 'Mallory' })
    expectRefusal(await complete(attacker.flow.pair.clientCode, victim.serverCode), 'invalid_grant')
    expectRefusal(await complete(victim.flow.pair.clientCode, victim.serverCode), 'invalid_grant')
    // The attacker's own code is untouched by all this.
    expect((await complete(attacker.flow.pair.clientCode, attacker.serverCode)).status).toBe(200)
  })

  it('the refusal is the same whichever half is wrong: unknown Server Code, wrong Client Code, spent code', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const wrongClient = expectRefusal(await complete(generateClientCode(), serverCode), 'invalid_grant')
    const spent = expectRefusal(await complete(flow.pair.clientCode, serverCode), 'invalid_grant')
    const unknown = expectRefusal(await complete(flow.pair.clientCode, `${serverCode.slice(0, -1)}x`), 'invalid_grant')
    expect(wrongClient).toEqual(unknown)
    expect(spent).toEqual(unknown)
  })

  it('a thief racing the owner with a wrong Client Code, on two instances: never the thief, and at most the owner', async () => {
    const two = await startAttackedService({ instances: 2 })
    try {
      for (let round = 0; round < 5; round++) {
        const { flow, serverCode } = await obtainServerCode(two.bp.url, { redirectUri: two.redirectUri })
        const [owner, thief] = await Promise.all([
          callProcedure(two.instances[0]!.address, 'auth.complete', {
            mutation: { clientCode: flow.pair.clientCode, serverCode },
          }),
          callProcedure(two.instances[1]!.address, 'auth.complete', {
            mutation: { clientCode: generateClientCode(), serverCode },
          }),
        ])
        expectRefusal(thief, 'invalid_grant')
        // Whoever's request took the code first spent it: the owner boards, or nobody does.
        if (owner.status !== 200) expectRefusal(owner, 'invalid_grant')
      }
    } finally {
      await two.close()
    }
  })

  it('the flow’s hash method is the one used: a sha512 flow completes with its Client Code, and no other', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, {
      redirectUri: service.redirectUri,
      hashMethod: 'sha512',
    })
    const other = await createClientCodePair('sha512')
    expectRefusal(await complete(other.clientCode, serverCode), 'invalid_grant')
    const again = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri, hashMethod: 'sha512' })
    expect((await complete(again.flow.pair.clientCode, again.serverCode)).status).toBe(200)
    expect(flow.pair.hashMethod).toBe('sha512')
  })
})

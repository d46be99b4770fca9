import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BoardingPassError } from '@boarding-pass/client'
import type { TestInstance } from '../../../test/src/support/boarding-pass.js'
import { harness, signInThroughProvider, startService, type Harness } from './support.js'

let bp: TestInstance
beforeAll(async () => {
  bp = await startService()
})
afterAll(async () => {
  await bp?.close()
})

/** `n` separate logins of the same user (a laptop, a phone, …), each its own client. */
async function devices(name: string, n: number): Promise<Harness[]> {
  const logins: Harness[] = []
  for (let i = 0; i < n; i++) {
    const h = harness(bp)
    await signInThroughProvider(h, name)
    logins.push(h)
  }
  return logins
}

/** What refreshing a login ended elsewhere rejects with: its refresh tokens get `invalid_grant` (contract v1.2). */
const REVOKED = 'invalid_grant'

const reasonOf = (error: unknown) => (error instanceof BoardingPassError ? error.reason : String(error))

describe('the v1.2 session methods (real server)', () => {
  it('sessions() lists every login of the user, newest first, with this one marked current', async () => {
    const [laptop, phone] = await devices('Sessions Ada', 2)
    const fromLaptop = await laptop!.client.sessions()
    expect(fromLaptop).toHaveLength(2)
    expect(fromLaptop.map((session) => session.current)).toEqual([false, true])
    expect(fromLaptop[0]).toMatchObject({ provider: 'dev', createdAt: expect.any(String), lastUsedAt: expect.any(String) })
    expect(Date.parse(fromLaptop[0]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(fromLaptop[1]!.createdAt))

    const fromPhone = await phone!.client.sessions()
    expect(fromPhone.map((session) => session.id)).toEqual(fromLaptop.map((session) => session.id))
    expect(fromPhone.map((session) => session.current)).toEqual([true, false])
    for (const h of [laptop, phone]) h!.client.dispose()
  })

  it("revokeSession(id) ends another of the user's logins at once; someone else's id is refused with invalid_request", async () => {
    const [laptop, phone] = await devices('Sessions Grace', 2)
    const [stranger] = await devices('Sessions Stranger', 1)
    const phoneSession = (await laptop!.client.sessions()).find((session) => !session.current)!

    // Another user cannot end it (the same answer as for an unknown id).
    const refused = await stranger!.client.revokeSession(phoneSession.id).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(BoardingPassError)
    expect(refused).toMatchObject({ reason: 'invalid_request', source: 'server' })
    const unknown = await stranger!.client.revokeSession('no-such-session').catch(reasonOf)
    expect(unknown).toBe('invalid_request')
    expect(await phone!.client.me()).toMatchObject({ name: 'Sessions Grace' })

    // Its owner can: the phone's login is over (its refresh token refused), the laptop's goes on.
    await laptop!.client.revokeSession(phoneSession.id)
    expect((await laptop!.client.sessions()).map((session) => session.id)).not.toContain(phoneSession.id)
    expect(await phone!.client.refresh().catch(reasonOf)).toBe(REVOKED)
    expect(phone!.client.state.status).toBe('signed-out')
    expect(laptop!.client.state.status).toBe('signed-in')
    expect(await laptop!.client.me()).toMatchObject({ name: 'Sessions Grace' })
    for (const h of [laptop, phone, stranger]) h!.client.dispose()
  })

  it("signOut({ scope: 'others' }) ends every other login and keeps this one", async () => {
    const [laptop, phone, tablet] = await devices('Sessions Katherine', 3)
    await laptop!.client.signOut({ scope: 'others' })

    expect(laptop!.client.state.status).toBe('signed-in')
    const left = await laptop!.client.sessions()
    expect(left.map((session) => session.current)).toEqual([true])
    for (const other of [phone, tablet]) {
      expect(await other!.client.refresh().catch(reasonOf)).toBe(REVOKED)
      expect(other!.client.state.status).toBe('signed-out')
    }
    for (const h of [laptop, phone, tablet]) h!.client.dispose()
  })

  it("signOut({ scope: 'global' }) ends every login, this one too; another user's stay", async () => {
    const [laptop, phone] = await devices('Sessions Dorothy', 2)
    const [neighbour] = await devices('Sessions Neighbour', 1)
    await laptop!.client.signOut({ scope: 'global' })

    expect(laptop!.client.state.status).toBe('signed-out')
    expect(await laptop!.client.sessions().catch(reasonOf)).toBe('not_signed_in')
    expect(await phone!.client.refresh().catch(reasonOf)).toBe(REVOKED)
    expect(phone!.client.state.status).toBe('signed-out')
    expect(await neighbour!.client.sessions()).toHaveLength(1)
    for (const h of [laptop, phone, neighbour]) h!.client.dispose()
  })
})

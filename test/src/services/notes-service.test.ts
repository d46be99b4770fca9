import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { callProcedure } from '../support/trpc-http.js'
import { refresh, signIn, startBroker, type Broker } from './support/broker.js'
import { createClock } from './support/clock.js'
import { myNotes, notesClient, startNotesService, type NotesService } from './support/notes.js'
import { flushRedisDatabase, redisDatabase } from './support/redis.js'

describe('a second tRPC service (examples/notes-service) accepting Boarding Pass tokens', () => {
  const clock = createClock()
  const redisUrl = redisDatabase(inject('redisUrl'), 14)
  let bp: Broker
  /** Checks revocation on every request (no cache), on the shared clock. */
  let notes: NotesService
  /** Configured for another audience: Boarding Pass's tokens are not for it. */
  let elsewhere: NotesService

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    bp = await startBroker({ REDIS_URL: redisUrl }, { now: clock.now })
    notes = await startNotesService({
      issuer: bp.url,
      audience: bp.url,
      checkRevocation: true,
      revocationCacheTtl: 0,
      now: clock.now,
    })
    elsewhere = await startNotesService({ issuer: bp.url, audience: 'someone-else' })
  })
  afterAll(async () => {
    await elsewhere?.close()
    await notes?.close()
    await bp?.close()
  })

  it('serves the caller their own notes, keyed by ctx.user.id', async () => {
    const ada = await signIn(bp, 'Ada Lovelace')
    const grace = await signIn(bp, 'Grace Hopper')
    await notesClient(notes, ada.accessToken).notes.add.mutate({ text: 'analytical engine' })
    await notesClient(notes, grace.accessToken).notes.add.mutate({ text: 'compiler' })

    const mine = await notesClient(notes, ada.accessToken).notes.mine.query()
    expect(mine.owner).toBe(ada.user.id)
    expect(mine.notes.map((note) => note.text)).toEqual(['analytical engine'])
    const hers = await notesClient(notes, grace.accessToken).notes.mine.query()
    expect(hers.notes.map((note) => note.text)).toEqual(['compiler'])
  })

  it("relays the caller's token to Boarding Pass through the typed client (profile.me → auth.me)", async () => {
    const ada = await signIn(bp, 'Ada Lovelace')
    await expect(notesClient(notes, ada.accessToken).profile.me.query()).resolves.toEqual(ada.user)
  })

  it('refuses a call without a token: 401, reason invalid_token, a Bearer challenge', async () => {
    const response = await myNotes(notes)
    expect(response.status).toBe(401)
    expect(response.body.error?.data).toMatchObject({ code: 'UNAUTHORIZED', reason: 'invalid_token' })
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="notes"')
    await expect(callProcedure(notes.url, 'health')).resolves.toMatchObject({ status: 200 })
  })

  it('refuses a tampered token (one payload character flipped)', async () => {
    const { accessToken } = await signIn(bp)
    const [header, payload, signature] = accessToken.split('.')
    const flipped = `${payload!.slice(0, 5)}${payload![5] === 'Q' ? 'R' : 'Q'}${payload!.slice(6)}`
    const response = await myNotes(notes, `${header}.${flipped}.${signature}`)
    expect(response.status).toBe(401)
    expect(response.body.error?.data.reason).toBe('invalid_token')
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes", error="invalid_token"/)
  })

  it('refuses a token meant for another audience', async () => {
    const { accessToken } = await signIn(bp)
    expect((await myNotes(notes, accessToken)).status).toBe(200)
    const response = await myNotes(elsewhere, accessToken)
    expect(response.status).toBe(401)
    expect(response.body.error?.data.reason).toBe('invalid_token')
    expect(response.headers.get('www-authenticate')).toContain('another audience')
  })

  it('refuses a revoked token at once: after auth.logout, and after refresh-token reuse', async () => {
    const loggedOut = await signIn(bp)
    expect((await myNotes(notes, loggedOut.accessToken)).status).toBe(200)
    await callProcedure(bp.url, 'auth.logout', { mutation: { refreshToken: loggedOut.refreshToken } })
    const afterLogout = await myNotes(notes, loggedOut.accessToken)
    expect(afterLogout.status).toBe(401)
    expect(afterLogout.body.error?.data.reason).toBe('invalid_token')
    expect(afterLogout.headers.get('www-authenticate')).toContain('login that has ended')

    const stolen = await signIn(bp)
    const rotated = await refresh(bp.url, stolen.refreshToken)
    expect((await myNotes(notes, rotated.accessToken)).status).toBe(200)
    // Replayed by another client (a thief; the same client replaying it would be reuse just the same).
    await callProcedure(bp.url, 'auth.refresh', {
      mutation: { refreshToken: stolen.refreshToken },
      headers: { 'user-agent': 'another client/1.0' },
    })
    expect((await myNotes(notes, rotated.accessToken)).status).toBe(401)
  })

  it('refuses an expired token (clock moved past exp and the 5 s tolerance)', async () => {
    const { accessToken, expiresIn } = await signIn(bp)
    expect((await myNotes(notes, accessToken)).status).toBe(200)
    clock.advance(expiresIn + 6)
    const response = await myNotes(notes, accessToken)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('expired')
  })
})

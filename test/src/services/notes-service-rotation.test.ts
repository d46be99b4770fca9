import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { callProcedure } from '../support/trpc-http.js'
import { kidOf, publishedKids, refresh, signIn, startBroker, type Broker } from './support/broker.js'
import { createClock } from './support/clock.js'
import { myNotes, startNotesService, type NotesService } from './support/notes.js'
import { flushRedisDatabase, redisDatabase } from './support/redis.js'

const ROTATION = 120
const AHEAD = 60
const TTL = 300

/**
 * This file runs in its own module graph, so the notes service's JWKS cache
 * starts empty here: its first fetch happens after the next key was published,
 * as it would for any service whose cache is older than the publish-ahead time.
 */
describe('the notes service across a signing-key rotation (injected clock, default revocation cache)', () => {
  const clock = createClock()
  const redisUrl = redisDatabase(inject('redisUrl'), 9)
  let bp: Broker
  let notes: NotesService

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    bp = await startBroker(
      { REDIS_URL: redisUrl, AUTH_SIGNING_KEY_ROTATION: String(ROTATION), AUTH_ACCESS_TOKEN_TTL: String(TTL) },
      { now: clock.now },
    )
    notes = await startNotesService({ issuer: bp.url, audience: bp.url, checkRevocation: true, now: clock.now })
  })
  afterAll(async () => {
    await notes?.close()
    await bp?.close()
  })

  it('accepts tokens of the old and the new key, refuses them once revoked, and old ones once their key is gone', async () => {
    const before = await signIn(bp)
    const k0 = kidOf(before.accessToken)

    clock.advance(ROTATION - AHEAD + 10)
    await bp.app.services.keys.rotateIfDue()
    expect(await publishedKids(bp.url)).toHaveLength(2)
    expect((await myNotes(notes, before.accessToken)).status).toBe(200)

    clock.advance(AHEAD)
    const after = await refresh(bp.url, before.refreshToken)
    expect(kidOf(after.accessToken)).not.toBe(k0)
    expect((await myNotes(notes, after.accessToken)).status).toBe(200)
    expect((await myNotes(notes, before.accessToken)).status).toBe(200)

    // Revoked: refused once the 1 s "active" cache has run out.
    await callProcedure(bp.url, 'auth.logout', { mutation: { refreshToken: after.refreshToken } })
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    for (const token of [before.accessToken, after.accessToken]) {
      const response = await myNotes(notes, token)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toContain('login that has ended')
    }

    // A new login signs with the new key and is served; the old key has since been dropped.
    clock.advance(TTL + 61)
    await bp.app.services.keys.rotateIfDue()
    expect(await publishedKids(bp.url)).not.toContain(k0)
    const fresh = await signIn(bp)
    expect((await myNotes(notes, fresh.accessToken)).status).toBe(200)
    expect((await myNotes(notes, before.accessToken)).status).toBe(401)
  })
})

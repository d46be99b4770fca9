import { verifyAccessToken, type AccessTokenError } from '@boarding-pass/verify'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { callProcedure } from '../support/trpc-http.js'
import { kidOf, publishedKids, refresh, signIn, startBroker, type Broker } from './support/broker.js'
import { createClock } from './support/clock.js'
import { jose } from './support/jose.js'
import { flushRedisDatabase, redisDatabase } from './support/redis.js'

/**
 * A key signs for 120 s and the next one is published 60 s ahead of its turn;
 * tokens live 300 s, so a retired key stays published 360 s after it stops signing.
 */
const ROTATION = 120
const AHEAD = 60
const TTL = 300
const GRACE = TTL + 60

describe('signing-key rotation shared by two instances through Redis (injected clock)', () => {
  const clock = createClock()
  const redisUrl = redisDatabase(inject('redisUrl'), 11)
  let a: Broker
  let b: Broker

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    const env = { REDIS_URL: redisUrl, AUTH_SIGNING_KEY_ROTATION: String(ROTATION), AUTH_ACCESS_TOKEN_TTL: String(TTL) }
    a = await startBroker(env, { now: clock.now })
    // The same service: same PUBLIC_URL (issuer), its own port.
    b = await startBroker({ ...env, PUBLIC_URL: a.url }, { now: clock.now })
  })
  afterAll(async () => {
    await b?.close()
    await a?.close()
  })

  /** What each instance's timer does, on both at once (they race for the same set). */
  async function checkKeys(): Promise<void> {
    await Promise.all([a.app.services.keys.rotateIfDue(), b.app.services.keys.rotateIfDue()])
    await Promise.all([a.app.services.keys.refresh(), b.app.services.keys.refresh()])
  }
  const verifyOptions = () => ({ issuer: a.url, audience: a.url, url: a.address, currentDate: clock.date() })

  let first: { accessToken: string; refreshToken: string }
  let signedByK0: { token: string; iat: number }
  let k0: string
  let k1: string

  it('starts with one key, the same on both instances', async () => {
    first = await signIn(a)
    k0 = kidOf(first.accessToken)
    signedByK0 = { token: first.accessToken, iat: jose.decodeJwt(first.accessToken).iat! }
    expect(await publishedKids(a.address)).toEqual([k0])
    expect(await publishedKids(b.address)).toEqual([k0])
  })

  it('publishes the next key ahead of its turn, on both instances, without signing with it yet', async () => {
    clock.advance(ROTATION - AHEAD - 10)
    await checkKeys()
    expect(await publishedKids(a.address)).toEqual([k0])

    clock.advance(20)
    await checkKeys()
    const kids = await publishedKids(a.address)
    expect(kids).toHaveLength(2)
    expect(await publishedKids(b.address)).toEqual(kids)
    k1 = kids.find((kid) => kid !== k0)!

    const renewed = await refresh(a.address, first.refreshToken)
    expect(kidOf(renewed.accessToken)).toBe(k0)
    first = renewed
    // A resource server fetching the JWKS now already holds the key that signs next.
    await expect(verifyAccessToken(first.accessToken, verifyOptions())).resolves.toMatchObject({ sub: 'dev:ada-lovelace' })
  })

  it('switches to the next key on schedule on every instance; tokens of the old key keep verifying', async () => {
    clock.advance(AHEAD + 1)
    const before = first.accessToken
    const fromA = await refresh(a.address, first.refreshToken)
    const fromB = await refresh(b.address, fromA.refreshToken)
    expect(kidOf(fromA.accessToken)).toBe(k1)
    expect(kidOf(fromB.accessToken)).toBe(k1)
    first = fromB

    for (const token of [before, fromA.accessToken, fromB.accessToken]) {
      for (const instance of [a, b]) {
        const me = await callProcedure(instance.address, 'auth.me', { bearer: token })
        expect(me.status, `${kidOf(token)} at ${instance.address}: ${JSON.stringify(me.body)}`).toBe(200)
      }
      // Through the remote JWKS fetched before the switch: no re-fetch needed.
      await expect(verifyAccessToken(token, verifyOptions())).resolves.toMatchObject({ iss: a.url })
    }
    expect(await publishedKids(a.address)).toEqual([k0, k1].sort())
  })

  it('drops a retired key once no token it signed can be alive, and refuses its tokens from then on', async () => {
    clock.advance(GRACE - 10)
    await checkKeys()
    expect(await publishedKids(a.address)).toContain(k0)

    clock.advance(20)
    await checkKeys()
    const kids = await publishedKids(a.address)
    expect(kids).not.toContain(k0)
    expect(kids).toContain(k1)
    expect(await publishedKids(b.address)).toEqual(kids)

    const me = await callProcedure(b.address, 'auth.me', { bearer: signedByK0.token })
    expect(me.status).toBe(401)
    expect(me.body.error?.data.reason).toBe('invalid_token')
    // Refused for its key, not only for its age: checked at a time its exp allows, against today's JWKS.
    const error = await verifyAccessToken(signedByK0.token, {
      issuer: a.url,
      audience: a.url,
      jwks: jose.createRemoteJWKSet(new URL(`${a.address}/.well-known/jwks.json`)),
      currentDate: new Date(signedByK0.iat * 1000 + 1000),
    }).catch((e: unknown) => e as AccessTokenError)
    expect(error).toMatchObject({ name: 'AccessTokenError', code: 'unknown_key', reason: 'invalid_token' })
  })

  it('two instances racing to rotate agree on one key set, round after round', async () => {
    const signers = new Set<string>()
    for (let round = 0; round < 6; round++) {
      clock.advance(AHEAD + 1)
      await checkKeys()
      const onA = await publishedKids(a.address)
      expect(await publishedKids(b.address)).toEqual(onA)
      // At most: the next key, the current key, and retired keys still in their grace period.
      expect(onA.length).toBeLessThanOrEqual(2 + Math.ceil(GRACE / ROTATION))
      const token = await refresh(a.address, first.refreshToken)
      first = token
      signers.add(kidOf(token.accessToken))
      expect(onA).toContain(kidOf(token.accessToken))
      const me = await callProcedure(b.address, 'auth.me', { bearer: token.accessToken })
      expect(me.status).toBe(200)
    }
    expect(signers.size).toBeGreaterThanOrEqual(2)
  })

  it('puts the set back when the store loses it (Redis flushed), so rotation goes on with the same keys', async () => {
    const before = await publishedKids(a.address)
    const token = (await refresh(a.address, first.refreshToken)).accessToken
    await flushRedisDatabase(redisUrl)
    await a.app.services.keys.rotateIfDue()
    await b.app.services.keys.refresh()
    expect(await publishedKids(a.address)).toEqual(before)
    expect(await publishedKids(b.address)).toEqual(before)
    // As a resource server starting now sees it (this process's cached JWKS predates keys made in fast-forward).
    const fresh = jose.createRemoteJWKSet(new URL(`${a.address}/.well-known/jwks.json`))
    await expect(verifyAccessToken(token, { ...verifyOptions(), jwks: fresh })).resolves.toMatchObject({ iss: a.url })
  })
})

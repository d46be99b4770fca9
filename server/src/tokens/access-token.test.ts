import { type createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { SignJWT, importJWK, jwtVerify } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../store/index.js'
import { AccessTokens } from './access-token.js'
import { signCompactJws } from './compact-jws.js'
import { KeyRing } from './key-ring.js'

const ISSUER = 'https://login.example.test'
const AUDIENCE = 'https://api.example.test'
const CLIENT_ID = 'https://app.example.test'
const user = { id: 'acme:ada', provider: 'acme', name: 'Ada' }

const stores: Store[] = []
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})

async function setUp(alg: 'EdDSA' | 'ES256') {
  const store = await createStore({ maxPendingFlows: 1000 })
  stores.push(store)
  let time = Date.UTC(2030, 0, 1)
  const clock = { now: () => time, advance: (seconds: number) => (time += seconds * 1000) }
  const keys = new KeyRing(store, { alg, rotation: 86_400, accessTokenTtl: 900, now: clock.now })
  await keys.init()
  const tokens = new AccessTokens(keys, { issuer: ISSUER, audience: AUDIENCE, clientId: CLIENT_ID, ttl: 900, now: clock.now })
  const publicJwk = keys.jwks().keys[0]!
  const privateKey = keys.current.privateKey
  return { keys, tokens, clock, publicJwk, privateKey }
}

/** A token from jose itself, with the ring's key and whatever header and claims a case needs. */
function joseToken(
  privateKey: ReturnType<typeof createPrivateKey>,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  iat: number,
) {
  const payload = {
    iss: ISSUER,
    sub: user.id,
    aud: AUDIENCE,
    iat,
    exp: iat + 900,
    jti: 'jti-1',
    sid: 'login-1',
    provider: 'acme',
  }
  return new SignJWT({ ...payload, ...claims }).setProtectedHeader(header as never).sign(privateKey)
}

for (const alg of ['EdDSA', 'ES256'] as const) {
  describe(`access tokens signed with node:crypto (${alg}) are ordinary JWTs`, () => {
    it('jose verifies what we sign, with the published JWK', async () => {
      const { tokens, publicJwk, clock } = await setUp(alg)
      const token = tokens.sign(user, 'login-1')
      const { payload, protectedHeader } = await jwtVerify(token, await importJWK(publicJwk, alg), {
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: 'at+jwt',
        algorithms: [alg],
        currentDate: new Date(clock.now()),
      })
      expect(protectedHeader).toEqual({ alg, kid: publicJwk.kid, typ: 'at+jwt' })
      expect(payload).toMatchObject({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: user.id,
        sid: 'login-1',
        provider: 'acme',
        client_id: CLIENT_ID,
      })
      expect(payload.exp! - payload.iat!).toBe(900)
    })

    it('we verify what jose signs with our key, and what we sign', async () => {
      const { tokens, keys, privateKey, clock } = await setUp(alg)
      const iat = Math.floor(clock.now() / 1000)
      const fromJose = await joseToken(privateKey, { alg, kid: keys.current.kid, typ: 'at+jwt' }, {}, iat)
      expect(await tokens.verify(fromJose)).toMatchObject({ sub: user.id, sid: 'login-1', jti: 'jti-1' })
      expect(await tokens.verify(tokens.sign(user, 'login-2'))).toMatchObject({ sub: user.id, sid: 'login-2' })
    })

    it('refuses a tampered payload, header or signature', async () => {
      const { tokens } = await setUp(alg)
      const [header, payload, signature] = tokens.sign(user, 'login-1').split('.') as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'acme:mallory' })).toString('base64url')
      expect(await tokens.verify(`${header}.${forged}.${signature}`)).toBeUndefined()
      const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1)
      expect(await tokens.verify(`${header}.${payload}.${flipped}`)).toBeUndefined()
      const otherHeader = Buffer.from(JSON.stringify({ alg, kid: 'nope', typ: 'at+jwt' })).toString('base64url')
      expect(await tokens.verify(`${otherHeader}.${payload}.${signature}`)).toBeUndefined()
      expect(await tokens.verify(`${header}.${payload}`)).toBeUndefined()
      expect(await tokens.verify('not a token')).toBeUndefined()
    })

    it('refuses alg none, an algorithm other than the key was made for, and HS256 with the public key as secret', async () => {
      const { tokens, keys, publicJwk } = await setUp(alg)
      const [, payload] = tokens.sign(user, 'login-1').split('.') as [string, string, string]
      const kid = keys.current.kid
      const none = Buffer.from(JSON.stringify({ alg: 'none', kid, typ: 'at+jwt' })).toString('base64url')
      expect(await tokens.verify(`${none}.${payload}.`)).toBeUndefined()
      const other = alg === 'EdDSA' ? 'ES256' : 'EdDSA'
      const otherKey =
        alg === 'EdDSA'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
          : generateKeyPairSync('ed25519').privateKey
      const iat = Math.floor(Date.UTC(2030, 0, 1) / 1000)
      expect(await tokens.verify(await joseToken(otherKey, { alg: other, kid, typ: 'at+jwt' }, {}, iat))).toBeUndefined()
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk))
      const hs = await new SignJWT({ sid: 'login-1', provider: 'acme' })
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setSubject(user.id)
        .setAudience(AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 900)
        .setJti('x')
        .sign(secret)
      expect(await tokens.verify(hs)).toBeUndefined()
    })

    it('refuses another typ, issuer or audience, a missing claim, and a crit header', async () => {
      const { tokens, keys, privateKey, clock } = await setUp(alg)
      const iat = Math.floor(clock.now() / 1000)
      const kid = keys.current.kid
      const header = { alg, kid, typ: 'at+jwt' }
      expect(await tokens.verify(await joseToken(privateKey, { alg, kid, typ: 'JWT' }, {}, iat))).toBeUndefined()
      expect(await tokens.verify(await joseToken(privateKey, header, { iss: 'https://evil.test' }, iat))).toBeUndefined()
      expect(await tokens.verify(await joseToken(privateKey, header, { aud: 'https://other.test' }, iat))).toBeUndefined()
      expect(await tokens.verify(await joseToken(privateKey, header, { sid: undefined }, iat))).toBeUndefined()
      expect(await tokens.verify(await joseToken(privateKey, header, { provider: 7 }, iat))).toBeUndefined()
      const critHeader = Buffer.from(JSON.stringify({ ...header, crit: ['x'], x: 1 })).toString('base64url')
      const [, payload] = tokens.sign(user, 'login-1').split('.') as [string, string]
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object
      expect(await tokens.verify(signCompactJws(critHeader, claims, privateKey, alg))).toBeUndefined()
    })

    it('accepts typ at+jwt in its full form and any case (RFC 9068 §4, RFC 7515 §4.1.9), as the verifier does', async () => {
      const { tokens, keys, privateKey, clock } = await setUp(alg)
      const iat = Math.floor(clock.now() / 1000)
      const kid = keys.current.kid
      for (const typ of ['application/at+jwt', 'AT+JWT', 'Application/At+Jwt']) {
        expect(await tokens.verify(await joseToken(privateKey, { alg, kid, typ }, {}, iat)), typ).toMatchObject({ sub: user.id })
      }
      for (const typ of ['jwt', 'application/jwt', 'at+jwt ', 'text/at+jwt', 'at-jwt']) {
        expect(await tokens.verify(await joseToken(privateKey, { alg, kid, typ }, {}, iat)), typ).toBeUndefined()
      }
      expect(await tokens.verify(await joseToken(privateKey, { alg, kid }, {}, iat))).toBeUndefined()
    })

    it('accepts until exp plus 5 s of tolerance, and refuses a token issued in the future', async () => {
      const { tokens, keys, privateKey, clock } = await setUp(alg)
      const token = tokens.sign(user, 'login-1')
      clock.advance(900 + 4)
      expect(await tokens.verify(token)).toBeDefined()
      clock.advance(2)
      expect(await tokens.verify(token)).toBeUndefined()
      const future = Math.floor(clock.now() / 1000) + 60
      expect(
        await tokens.verify(await joseToken(privateKey, { alg, kid: keys.current.kid, typ: 'at+jwt' }, {}, future)),
      ).toBeUndefined()
    })

    it('refuses a token whose exp - iat exceeds the configured lifetime, even signed by the current key', async () => {
      const { tokens, keys, privateKey, clock } = await setUp(alg)
      const iat = Math.floor(clock.now() / 1000)
      const header = { alg, kid: keys.current.kid, typ: 'at+jwt' }
      expect(await tokens.verify(await joseToken(privateKey, header, { exp: iat + 900 }, iat))).toBeDefined()
      expect(await tokens.verify(await joseToken(privateKey, header, { exp: iat + 901 }, iat))).toBeUndefined()
      expect(await tokens.verify(await joseToken(privateKey, header, { exp: iat + 365 * 86_400 }, iat))).toBeUndefined()
    })

    it('keeps client_id when present, accepts its absence (tokens minted before v1.2), refuses a mistyped one', async () => {
      const { tokens, keys, privateKey, clock } = await setUp(alg)
      const iat = Math.floor(clock.now() / 1000)
      const header = { alg, kid: keys.current.kid, typ: 'at+jwt' }
      expect(await tokens.verify(tokens.sign(user, 'login-1'))).toMatchObject({ client_id: CLIENT_ID })
      expect(await tokens.verify(await joseToken(privateKey, header, {}, iat))).not.toHaveProperty('client_id')
      expect(await tokens.verify(await joseToken(privateKey, header, { client_id: 7 }, iat))).toBeUndefined()
    })
  })
}

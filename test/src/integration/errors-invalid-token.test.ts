import { userSchema, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { instancesInProcess } from '../support/boarding-pass.js'
import { createClock, type TestClock } from '../support/clock.js'
import { jose } from '../support/jose.js'
import { signWithStoredKey } from '../support/redis-contents.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

const INVALID_TOKEN_MESSAGE = 'The access token is missing, malformed, expired or revoked.'

describe('invalid_token: auth.me without a valid access token is refused with 401', () => {
  let service: Service
  /** Another service (its own PUBLIC_URL, so its own issuer) on the same Redis, so the same signing keys. */
  let otherIssuer: Service
  let tokens: TokenResponse

  const me = (authorization?: string) =>
    callProcedure(service.bp.url, 'auth.me', { headers: authorization === undefined ? {} : { authorization } })

  /**
   * Re-signs `claims` with this service's own signing key (what only the service can do), taken from the
   * suite's Redis where the service keeps it (in clear: no AUTH_KEY_ENCRYPTION_KEY in tests).
   */
  const signWithServiceKey = (claims: Record<string, unknown>) => signWithStoredKey(inject('redisUrl'), undefined, claims)

  beforeAll(async () => {
    ;[service, otherIssuer] = await Promise.all([startService(), startService()])
    tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
  })
  afterAll(async () => {
    await Promise.all([service?.close(), otherIssuer?.close()])
  })

  it('the token it is compared with is accepted', async () => {
    const response = await me(`Bearer ${tokens.accessToken}`)
    expect(response.status).toBe(200)
    expect(userSchema.parse(response.body.result!.data)).toEqual(tokens.user)
  })

  it('accepts the scheme in any case (RFC 6750 §2.1, RFC 9110 §11.1)', async () => {
    expect((await me(`bearer ${tokens.accessToken}`)).status).toBe(200)
  })

  it.each([
    ['no Authorization header', undefined],
    ['an empty Authorization header', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and a space', 'Bearer '],
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['the token without a scheme', 'TOKEN'],
    ['a token that is not a JWT', 'Bearer not-a-jwt'],
    ['three empty parts', 'Bearer ..'],
    ['three parts of garbage', 'Bearer a.b.c'],
    ['a token with a space in it', 'Bearer abc def'],
    ['a very long token', `Bearer ${'a'.repeat(5000)}`],
  ])('with %s', async (_why, authorization) => {
    const value = authorization === 'TOKEN' ? tokens.accessToken : authorization
    const error = expectRefusal(await me(value), 'invalid_token')
    expect(error.message).toBe(INVALID_TOKEN_MESSAGE)
    expect(error.data.path).toBe('auth.me')
  })

  it('with a bad signature', async () => {
    const [header, payload, signature] = tokens.accessToken.split('.') as [string, string, string]
    const bytes = Buffer.from(signature, 'base64url')
    bytes[10] = bytes[10]! ^ 0xff
    expectRefusal(await me(`Bearer ${header}.${payload}.${bytes.toString('base64url')}`), 'invalid_token')
  })

  it('with the payload changed (another sub) under the original signature', async () => {
    const [header, payload, signature] = tokens.accessToken.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'acme:mallory' })).toString('base64url')
    expectRefusal(await me(`Bearer ${header}.${forged}.${signature}`), 'invalid_token')
  })

  it('with alg "none" and no signature', async () => {
    const [, payload] = tokens.accessToken.split('.') as [string, string]
    const kid = jose.decodeProtectedHeader(tokens.accessToken).kid
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid, typ: 'at+jwt' })).toString('base64url')
    expectRefusal(await me(`Bearer ${header}.${payload}.`), 'invalid_token')
  })

  it('signed by another key that claims the service’s kid', async () => {
    const claims = jose.decodeJwt(tokens.accessToken)
    const { kid, alg } = jose.decodeProtectedHeader(tokens.accessToken)
    const { privateKey } = await jose.generateKeyPair(alg!)
    const forged = await new jose.SignJWT(claims).setProtectedHeader({ alg: alg!, kid, typ: 'at+jwt' }).sign(privateKey)
    expectRefusal(await me(`Bearer ${forged}`), 'invalid_token')
  })

  it('a control: the same claims re-signed with the service’s own key are accepted', async () => {
    const token = await signWithServiceKey(jose.decodeJwt(tokens.accessToken))
    expect((await me(`Bearer ${token}`)).status).toBe(200)
  })

  it.each([
    ['another issuer', { iss: 'https://evil.example' }],
    ['another audience', { aud: 'https://other-api.example' }],
    ['no exp', { exp: undefined }],
    ['exp long past', { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 4000 }],
    ['a sub that is not the login’s user', { sub: 'acme:mallory' }],
    ['a login id that does not exist', { sid: 'no-such-login-0000000' }],
  ])('signed with the service’s own key but with %s', async (_why, change) => {
    const claims: Record<string, unknown> = { ...jose.decodeJwt(tokens.accessToken), ...change }
    for (const [name, value] of Object.entries(change)) if (value === undefined) delete claims[name]
    expectRefusal(await me(`Bearer ${await signWithServiceKey(claims)}`), 'invalid_token')
  })

  it('minted by another service (another PUBLIC_URL) that shares the Redis and so the signing keys', async () => {
    const foreign = await signIn(otherIssuer.bp.url, { redirectUri: otherIssuer.redirectUri })
    expect(jose.decodeProtectedHeader(foreign.accessToken).kid).toBe(jose.decodeProtectedHeader(tokens.accessToken).kid)
    expectRefusal(await me(`Bearer ${foreign.accessToken}`), 'invalid_token')
  })

  it('revoked: after logout the access token is refused although it has not expired', async () => {
    const session = await signIn(service.bp.url, { redirectUri: service.redirectUri })
    expect((await me(`Bearer ${session.accessToken}`)).status).toBe(200)
    const logout = await callProcedure(service.bp.url, 'auth.logout', { mutation: { refreshToken: session.refreshToken } })
    expect(logout.body.result?.data).toEqual({ ok: true })
    expectRefusal(await me(`Bearer ${session.accessToken}`), 'invalid_token')
  })

  it('the refusal never echoes the token', async () => {
    const [header, payload] = tokens.accessToken.split('.') as [string, string]
    const response = await me(`Bearer ${header}.${payload}.AAAA`)
    expect(JSON.stringify(response.body)).not.toContain(payload)
  })
})

// The instance's clock is moved ahead: only an instance in this process has one the test can move.
describe.skipIf(!instancesInProcess())(
  'invalid_token: expired (AUTH_ACCESS_TOKEN_TTL=1, with the instance’s clock moved ahead)',
  () => {
    let service: Service
    let clock: TestClock

    beforeAll(async () => {
      clock = createClock()
      service = await startService({ env: { AUTH_ACCESS_TOKEN_TTL: '1' }, options: { now: clock.now } })
    })
    afterAll(() => service?.close())

    it('is accepted while alive and refused once past exp (beyond any clock-skew leeway)', async () => {
      const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
      expect(tokens.expiresIn).toBe(1)
      const claims = jose.decodeJwt(tokens.accessToken)
      expect(claims.exp! - claims.iat!).toBe(1)
      expect((await callProcedure(service.bp.url, 'auth.me', { bearer: tokens.accessToken })).status).toBe(200)
      // Leeway for clock skew is at most a few seconds (RFC 7519 §4.1.4); a minute is past any of it.
      clock.advance(60_000)
      expectRefusal(await callProcedure(service.bp.url, 'auth.me', { bearer: tokens.accessToken }), 'invalid_token')
    })
  },
)

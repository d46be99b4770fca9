import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { AccessTokenError, isAccessTokenError, type AccessTokenErrorCode } from './errors.js'
import { verifyAccessToken, type VerifyAccessTokenOptions } from './verify-access-token.js'

const issuer = 'https://login.example.test'
const audience = 'https://login.example.test'
const now = Math.floor(Date.UTC(2030, 0, 1) / 1000)

let options: VerifyAccessTokenOptions
let sign: (claims?: Record<string, unknown>, header?: Record<string, unknown>, alg?: 'EdDSA' | 'ES256') => Promise<string>

beforeAll(async () => {
  const ed = await generateKeyPair('EdDSA', { extractable: true })
  const ec = await generateKeyPair('ES256', { extractable: true })
  const publicJwk = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({
    ...(await exportJWK(key)),
    kid,
    alg,
    use: 'sig',
  })
  const jwks = { keys: [await publicJwk(ed.publicKey, 'ed-1', 'EdDSA'), await publicJwk(ec.publicKey, 'ec-1', 'ES256')] }
  options = { issuer, audience, jwks: createLocalJWKSet(jwks), currentDate: new Date(now * 1000) }
  sign = (claims = {}, header = {}, alg = 'EdDSA') =>
    new SignJWT({
      iss: issuer,
      sub: 'acme:ada',
      aud: audience,
      iat: now - 10,
      exp: now + 890,
      jti: 'jti-1',
      sid: 'login-1',
      provider: 'acme',
      ...claims,
    })
      .setProtectedHeader({ alg, kid: alg === 'EdDSA' ? 'ed-1' : 'ec-1', typ: 'at+jwt', ...header })
      .sign(alg === 'EdDSA' ? ed.privateKey : ec.privateKey)
})

/** The refusal `token` gets (fails the test when it is accepted). */
async function refusal(token: string, extra: Partial<VerifyAccessTokenOptions> = {}): Promise<AccessTokenError> {
  const error = await verifyAccessToken(token, { ...options, ...extra }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isAccessTokenError(error), String(error)).toBe(true)
  return error as AccessTokenError
}

async function expectRefused(token: string, code: AccessTokenErrorCode, extra: Partial<VerifyAccessTokenOptions> = {}) {
  const error = await refusal(token, extra)
  expect(error).toBeInstanceOf(AccessTokenError)
  expect({ name: error.name, code: error.code, reason: error.reason }).toEqual({
    name: 'AccessTokenError',
    code,
    reason: 'invalid_token',
  })
  expect(error.message).not.toMatch(/acme:ada|login-1|jti-1/)
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

describe('verifyAccessToken: accepts', () => {
  it('a Boarding Pass token, returning its typed claims', async () => {
    const claims = await verifyAccessToken(await sign(), options)
    expect(claims).toEqual({
      iss: issuer,
      sub: 'acme:ada',
      aud: audience,
      iat: now - 10,
      exp: now + 890,
      jti: 'jti-1',
      sid: 'login-1',
      provider: 'acme',
    })
  })

  it('ES256 as well as EdDSA, and an issuer given with a trailing slash', async () => {
    await expect(verifyAccessToken(await sign({}, {}, 'ES256'), { ...options, issuer: `${issuer}/` })).resolves.toMatchObject({
      sub: 'acme:ada',
    })
  })

  it('typ at+jwt in its full form and any case (RFC 9068 §4, RFC 7515 §4.1.9), as the server does', async () => {
    for (const typ of ['application/at+jwt', 'AT+JWT', 'Application/At+Jwt']) {
      await expect(verifyAccessToken(await sign({}, { typ }), options), typ).resolves.toMatchObject({ sub: 'acme:ada' })
    }
  })

  it('client_id when the token carries one (Boarding Pass 0.2), checked to be a string', async () => {
    await expect(verifyAccessToken(await sign({ client_id: 'https://app.example.test' }), options)).resolves.toMatchObject({
      client_id: 'https://app.example.test',
    })
    await expectRefused(await sign({ client_id: 7 }), 'malformed')
  })

  it('one of several audiences', async () => {
    await expect(verifyAccessToken(await sign(), { ...options, audience: ['other', audience] })).resolves.toBeDefined()
  })

  it('a token up to clockTolerance (5 s by default) past its exp', async () => {
    const atExpPlus = (seconds: number) => new Date((now + 890 + seconds) * 1000)
    await expect(verifyAccessToken(await sign(), { ...options, currentDate: atExpPlus(4) })).resolves.toBeDefined()
    await expectRefused(await sign(), 'expired', { currentDate: atExpPlus(6) })
    await expectRefused(await sign(), 'expired', { currentDate: atExpPlus(1), clockTolerance: 0 })
  })
})

describe('verifyAccessToken: refuses, saying why', () => {
  it('expired', async () => {
    await expectRefused(await sign({ exp: now - 60 }), 'expired')
  })

  it('bad_signature: a payload character flipped', async () => {
    const [header, payload, signature] = (await sign()).split('.')
    const i = Math.floor(payload!.length / 2)
    const flipped = payload!.slice(0, i) + (payload![i] === 'A' ? 'B' : 'A') + payload!.slice(i + 1)
    await expectRefused(`${header}.${flipped}.${signature}`, 'bad_signature')
  })

  it('bad_signature: claims rewritten and re-encoded, signature kept', async () => {
    const [header, , signature] = (await sign()).split('.')
    const forged = b64({
      iss: issuer,
      sub: 'acme:admin',
      aud: audience,
      iat: now,
      exp: now + 900,
      jti: 'x',
      sid: 'y',
      provider: 'acme',
    })
    await expectRefused(`${header}.${forged}.${signature}`, 'bad_signature')
  })

  it('wrong_audience', async () => {
    await expectRefused(await sign(), 'wrong_audience', { audience: 'someone-else' })
  })

  it('wrong_issuer', async () => {
    await expectRefused(await sign({ iss: 'https://evil.example.test' }), 'wrong_issuer')
  })

  it('unknown_key: a kid the JWKS does not have', async () => {
    await expectRefused(await sign({}, { kid: 'nobody' }), 'unknown_key')
  })

  it('unsupported_algorithm: alg none, HS256, or an algorithm left out of the allow-list', async () => {
    const claims = b64({ iss: issuer, sub: 'a', aud: audience, iat: now, exp: now + 900, jti: 'x', sid: 'y', provider: 'acme' })
    await expectRefused(`${b64({ alg: 'none', typ: 'at+jwt', kid: 'ed-1' })}.${claims}.`, 'unsupported_algorithm')
    const hs = await new SignJWT({ sid: 'y', provider: 'acme' })
      .setProtectedHeader({ alg: 'HS256', kid: 'ed-1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('a')
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .setJti('x')
      .sign(new TextEncoder().encode('a-secret-anyone-could-guess-32-bytes!'))
    await expectRefused(hs, 'unsupported_algorithm')
    await expectRefused(await sign({}, {}, 'EdDSA'), 'unsupported_algorithm', { algorithms: ['ES256'] })
  })

  it('malformed: not a JWT, no kid, wrong typ, a required claim missing or mistyped, oversized', async () => {
    await expectRefused('not-a-token', 'malformed')
    await expectRefused('a.b.c', 'malformed')
    await expectRefused(await sign({}, { kid: undefined }), 'malformed')
    await expectRefused(await sign({}, { typ: 'JWT' }), 'malformed')
    await expectRefused(await sign({ sid: undefined }), 'malformed')
    await expectRefused(await sign({ provider: 42 }), 'malformed')
    await expectRefused('x'.repeat(5000), 'malformed')
  })

  it('malformed: a typ that is not the access-token media type, whatever its case', async () => {
    for (const typ of ['jwt', 'application/jwt', 'at+jwt ', 'text/at+jwt', 'dpop+jwt'])
      await expectRefused(await sign({}, { typ }), 'malformed')
    await expectRefused(await sign({}, { typ: undefined }), 'malformed')
  })

  it('lifetime_too_long: exp - iat beyond maxTokenLifetime (900 s, the server default, unless set)', async () => {
    await expectRefused(await sign({ iat: now - 10, exp: now + 891 }), 'lifetime_too_long')
    await expectRefused(await sign({ iat: now - 10, exp: now + 86_400 }), 'lifetime_too_long')
    await expectRefused(await sign(), 'lifetime_too_long', { maxTokenLifetime: 899 })
    await expect(
      verifyAccessToken(await sign({ exp: now + 3590 }), { ...options, maxTokenLifetime: 3600 }),
    ).resolves.toBeDefined()
  })

  it('sender_constrained: a DPoP-bound token (cnf), whose proof this version cannot check', async () => {
    await expectRefused(await sign({ cnf: { jkt: 'x'.repeat(43) } }), 'sender_constrained')
  })

  it('missing: an empty token', async () => {
    await expectRefused('', 'missing')
  })
})

describe('verifyAccessToken: checks its arguments', () => {
  it.each([
    ['no options', undefined],
    ['an issuer that is not a URL', { issuer: 'login.example.test', audience }],
    ['an issuer with a query', { issuer: `${issuer}?x=1`, audience }],
    ['an empty audience', { issuer, audience: '' }],
    ['an empty audience list', { issuer, audience: [] }],
    ['HS256 in the allow-list', { issuer, audience, algorithms: ['HS256'] }],
    ['none in the allow-list', { issuer, audience, algorithms: ['none'] }],
    ['an empty allow-list', { issuer, audience, algorithms: [] }],
    ['a negative clock tolerance', { issuer, audience, clockTolerance: -1 }],
    ['an invalid date', { issuer, audience, currentDate: new Date(Number.NaN) }],
    ['a zero maxTokenLifetime', { issuer, audience, maxTokenLifetime: 0 }],
    ['a maxTokenLifetime beyond a day', { issuer, audience, maxTokenLifetime: 86_401 }],
  ])('throws TypeError for %s', async (_, bad) => {
    await expect(verifyAccessToken('x.y.z', bad as never)).rejects.toThrow(TypeError)
  })

  it('throws TypeError for a token that is not a string', async () => {
    await expect(verifyAccessToken(undefined as never, options)).rejects.toThrow(TypeError)
  })
})

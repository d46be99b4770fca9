import { IssuerUnavailableError, isAccessTokenError, verifyAccessToken, type AccessTokenErrorCode } from '@boarding-pass/verify'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { freePort } from '../support/ports.js'
import { signIn, startBroker, type Broker } from './support/broker.js'
import { flushRedisDatabase, redisDatabase } from './support/redis.js'

describe('verifyAccessToken against a running Boarding Pass (its JWKS over HTTP)', () => {
  const redisUrl = redisDatabase(inject('redisUrl'), 12)
  let bp: Broker
  let token: string
  let user: { id: string; provider: string }

  beforeAll(async () => {
    await flushRedisDatabase(redisUrl)
    bp = await startBroker({ REDIS_URL: redisUrl, AUTH_SIGNING_ALG: 'ES256' })
    ;({ accessToken: token, user } = await signIn(bp, 'Grace Hopper'))
  })
  afterAll(() => bp?.close())

  const options = () => ({ issuer: bp.url, audience: bp.url })

  async function codeOf(promise: Promise<unknown>): Promise<AccessTokenErrorCode | 'accepted'> {
    return promise.then(
      () => 'accepted' as const,
      (error: unknown) => {
        if (!isAccessTokenError(error)) throw error
        return error.code
      },
    )
  }

  it('accepts a fresh token and returns its claims, typed', async () => {
    const claims = await verifyAccessToken(token, options())
    expect(claims).toMatchObject({ iss: bp.url, aud: bp.url, sub: user.id, provider: user.provider })
    expect(claims.sid).toEqual(expect.any(String))
    expect(claims.exp - claims.iat).toBe(900)
  })

  it('refuses it once expired, beyond the 5 s tolerance', async () => {
    const { exp } = await verifyAccessToken(token, options())
    expect(await codeOf(verifyAccessToken(token, { ...options(), currentDate: new Date((exp + 4) * 1000) }))).toBe('accepted')
    expect(await codeOf(verifyAccessToken(token, { ...options(), currentDate: new Date((exp + 6) * 1000) }))).toBe('expired')
  })

  it('refuses it tampered with (one payload character flipped)', async () => {
    const [header, payload, signature] = token.split('.')
    const i = 10
    const flipped = `${payload!.slice(0, i)}${payload![i] === 'x' ? 'y' : 'x'}${payload!.slice(i + 1)}`
    expect(await codeOf(verifyAccessToken(`${header}.${flipped}.${signature}`, options()))).toBe('bad_signature')
  })

  it('refuses it for another audience, or from another issuer', async () => {
    expect(await codeOf(verifyAccessToken(token, { ...options(), audience: 'someone-else' }))).toBe('wrong_audience')
    expect(await codeOf(verifyAccessToken(token, { ...options(), issuer: 'https://login.other.test', url: bp.url }))).toBe(
      'wrong_issuer',
    )
  })

  it('refuses ES256 tokens when only EdDSA is allowed', async () => {
    expect(await codeOf(verifyAccessToken(token, { ...options(), algorithms: ['EdDSA'] }))).toBe('unsupported_algorithm')
  })

  it('says the issuer is unavailable, not that the token is bad, when the JWKS cannot be fetched', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`
    const error = await verifyAccessToken(token, { ...options(), url: nobody }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IssuerUnavailableError)
    expect(error).toMatchObject({ code: 'issuer_unavailable', reason: 'store_unavailable' })
  })
})

import { createClientCodePair, generateClientCode } from '@boarding-pass/shared'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { freePort } from '../support/ports.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { expectRefusal } from '../support/refusal.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure } from '../support/trpc-http.js'

describe('rate_limited: too many attempts are refused with 429, counted across instances', () => {
  // A Redis of its own: attempt counters are per client address, and every test calls from 127.0.0.1.
  let redis: PrivateRedis
  let idp: ThirdPartyProvider
  let a: TestInstance
  let b: TestInstance

  beforeAll(async () => {
    redis = await startPrivateRedis()
    const port = await freePort()
    // A third-party provider, not the built-in one: that one runs in one process only (not with WEB_CONCURRENCY).
    idp = await startThirdPartyProvider({ redirectUris: [`http://localhost:${port}/auth/callback`] })
    const env = {
      REDIS_URL: redis.url,
      PUBLIC_URL: `http://localhost:${port}`,
      AUTH_PROVIDERS: 'acme',
      AUTH_ACME_ISSUER: idp.issuer,
      AUTH_ACME_ID: idp.clientId,
      AUTH_ACME_SECRET: idp.clientSecret,
      AUTH_RATE_LIMITS: 'on',
      AUTH_RATE_LIMIT_START: '3/60',
      AUTH_RATE_LIMIT_COMPLETE: '5/60',
    }
    a = await startBoardingPass(env, port)
    b = await startBoardingPass(env)
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await Promise.all([redis?.stop(), idp?.close()])
  })

  it('auth.start: the attempts past the limit are refused, on whichever instance they land', async () => {
    const { clientCodeHash } = await createClientCodePair()
    const input = { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri: `${a.url}/callback` }
    const statuses = []
    for (const instance of [a, b, a])
      statuses.push((await callProcedure(instance.address, 'auth.start', { mutation: input })).status)
    expect(statuses).toEqual([200, 200, 200])
    const error = expectRefusal(await callProcedure(b.address, 'auth.start', { mutation: input }), 'rate_limited')
    expect(error.data.path).toBe('auth.start')
    expectRefusal(await callProcedure(a.address, 'auth.start', { mutation: input }), 'rate_limited')
  })

  it('auth.complete: guessing Server Codes stops at the limit', async () => {
    const guess = () =>
      callProcedure(a.address, 'auth.complete', {
        mutation: { clientCode: generateClientCode(), serverCode: randomBytes(32).toString('base64url') },
      })
    for (let attempt = 0; attempt < 5; attempt++) expectRefusal(await guess(), 'invalid_grant')
    expectRefusal(await guess(), 'rate_limited')
  })
})

import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jose } from '../support/jose.js'
import { MAIN, runMain } from '../support/main-process.js'
import { freePort } from '../support/ports.js'
import { readEveryKey, readStoredKeySet, signWithStoredKey } from '../support/redis-contents.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { startService, type Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

const ENCRYPTION_KEY = randomBytes(32).toString('base64url')

describe('keys at rest: the signing keys in Redis are sealed with AUTH_KEY_ENCRYPTION_KEY', () => {
  let redis: PrivateRedis
  let service: Service

  beforeAll(async () => {
    // A Redis of its own: every key in it is this file's, and it is read whole.
    redis = await startPrivateRedis()
    service = await startService({ env: { REDIS_URL: redis.url, AUTH_KEY_ENCRYPTION_KEY: ENCRYPTION_KEY } })
  })
  afterAll(async () => {
    await service?.close()
    await redis?.stop()
  })

  const me = (token: string) => callProcedure(service.bp.address, 'auth.me', { bearer: token })

  it('after sign-ins and a refresh, no key in Redis holds private key material in clear', async () => {
    const first = await signIn(service.bp.url, { redirectUri: service.redirectUri, name: 'Ada' })
    await signIn(service.bp.url, { redirectUri: service.redirectUri, name: 'Grace' })
    const refreshed = await callProcedure(service.bp.address, 'auth.refresh', { mutation: { refreshToken: first.refreshToken } })
    expect(refreshed.status).toBe(200)

    const contents = await readEveryKey(redis.url)
    expect([...contents.keys()]).toContain('bp:keys:current')
    expect([...contents.keys()].some((key) => key.startsWith('bp:login:'))).toBe(true)
    const d = service.bp.app.services.keys.current.privateKey.export({ format: 'jwk' }).d!
    for (const [key, value] of contents) {
      expect(value, key).not.toContain(d)
      expect(value, key).not.toMatch(/\\?"d\\?"\s*:/)
      expect(value, key).not.toMatch(/PRIVATE KEY/)
    }
  })

  it('whoever reads the store without the encryption key cannot mint a token the service accepts', async () => {
    const { user } = await signIn(service.bp.url, { redirectUri: service.redirectUri, name: 'Ada' })
    const set = await readStoredKeySet(redis.url)
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: service.publicUrl, sub: user.id, aud: service.publicUrl, iat: now, exp: now + 600, jti: 'forged' }
    for (const entry of set.keys) {
      expect(entry).not.toHaveProperty('privateJwk')
      expect(entry.sealedPrivateJwk).toMatchObject({ v: 1 })
      const kid = String(entry.kid)
      // Its own key under the stored kid; and the sealed blob as an HMAC secret (algorithm confusion).
      const { privateKey } = await jose.generateKeyPair('EdDSA')
      const ownKey = await new jose.SignJWT({ ...claims, sid: 'x', provider: 'acme' })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .sign(privateKey)
      const blob = new TextEncoder().encode(JSON.stringify(entry.sealedPrivateJwk))
      const hmac = await new jose.SignJWT({ ...claims, sid: 'x', provider: 'acme' })
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
        .sign(blob)
      for (const token of [ownKey, hmac]) {
        const response = await me(token)
        expect(response.status).toBe(401)
        expect(response.body.error?.data.reason).toBe('invalid_token')
      }
    }
  })

  it('a token signed with the real stored key but a stretched exp is refused with invalid_token (auth.me, introspection)', async () => {
    const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri, name: 'Ada' })
    const real = jose.decodeJwt(tokens.accessToken)
    const now = Math.floor(Date.now() / 1000)
    const sign = (lifetime: number) =>
      signWithStoredKey(redis.url, ENCRYPTION_KEY, { ...real, iat: now, exp: now + lifetime, jti: `j${lifetime}` })

    // The helper signs what the service accepts when the lifetime is the configured one (900 s)…
    const fair = await sign(900)
    expect((await me(fair)).status).toBe(200)
    // …and the same token stretched by a second, or by a year, is refused everywhere.
    for (const stretched of [await sign(901), await sign(365 * 86_400)]) {
      const response = await me(stretched)
      expect(response.status).toBe(401)
      expect(response.body.error?.data.reason).toBe('invalid_token')
      const twin = await callProcedure(service.bp.address, 'auth.introspect', { mutation: { token: stretched } })
      expect(twin.body.result?.data).toEqual({ active: false })
      const rfc = await fetch(`${service.bp.address}/oauth/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: stretched }),
      })
      expect(await rfc.json()).toEqual({ active: false })
    }
  })

  describe('`node server/dist/main.js` against this store', () => {
    let port: string
    beforeAll(async () => {
      expect(existsSync(MAIN), `${MAIN} is missing: build first (pnpm build)`).toBe(true)
      port = String(await freePort())
    })

    it.each([
      ['a wrong AUTH_KEY_ENCRYPTION_KEY', { AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') }],
      ['no AUTH_KEY_ENCRYPTION_KEY', {}],
    ])('%s → exit 1, stderr names AUTH_KEY_ENCRYPTION_KEY, no stack, no key', async (_name, env: Record<string, string>) => {
      const { code, stdout, stderr } = await runMain({ HOST: '127.0.0.1', PORT: port, REDIS_URL: redis.url, ...env })
      expect(code, stderr).toBe(1)
      expect(stderr).toMatch(/\bAUTH_KEY_ENCRYPTION_KEY\b/)
      expect(stderr, 'a stack trace on stderr').not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
      expect(stdout + stderr).not.toContain(ENCRYPTION_KEY)
      if (env.AUTH_KEY_ENCRYPTION_KEY) expect(stdout + stderr).not.toContain(env.AUTH_KEY_ENCRYPTION_KEY)
      expect(stdout).not.toMatch(/is running/)
    })
  })
})

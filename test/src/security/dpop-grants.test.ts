import { tokenResponse, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dpopHeaders, dpopKey, dpopProof, type DpopKey } from '../support/dpop.js'
import { jose } from '../support/jose.js'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { obtainServerCode } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Contract v1.2, DPoP at the grants (`auth.complete`, `auth.refresh`), against
 * two instances of one service on one real Redis: a proof binds the tokens to
 * its key; a bound refresh token is useless without that key and is not spent
 * by the refusal; a bad proof is `invalid_request` and spends nothing.
 */
describe('DPoP at auth.complete and auth.refresh (two instances, real Redis)', () => {
  let service: Service
  let completeUrl: string
  let refreshUrl: string

  beforeAll(async () => {
    service = await startAttackedService({ instances: 2 })
    completeUrl = `${service.publicUrl}/trpc/auth.complete`
    refreshUrl = `${service.publicUrl}/trpc/auth.refresh`
  })
  afterAll(() => service?.close())

  const second = () => service.instances[1]!.address

  async function complete(proof: string | undefined, pair?: Awaited<ReturnType<typeof obtainServerCode>>) {
    const { flow, serverCode } = pair ?? (await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri }))
    const response = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
      headers: proof === undefined ? {} : { dpop: proof },
    })
    return { response, pair: { flow, serverCode } as Awaited<ReturnType<typeof obtainServerCode>> }
  }

  async function boundSignIn(key: DpopKey): Promise<TokenResponse> {
    const { response } = await complete(await dpopProof(key, { htm: 'POST', htu: completeUrl }))
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    return tokenResponse.parse(response.body.result!.data)
  }

  const refresh = async (refreshToken: string, proof?: string, at = service.bp.url) =>
    callProcedure(at, 'auth.refresh', { mutation: { refreshToken }, headers: proof === undefined ? {} : { dpop: proof } })

  const me = async (key: DpopKey, accessToken: string, at = service.bp.url) =>
    callProcedure(at, 'auth.me', { headers: await dpopHeaders(key, accessToken, 'GET', `${service.publicUrl}/trpc/auth.me`) })

  it('a proof at complete binds: tokenType DPoP, cnf.jkt is the key’s RFC 7638 thumbprint, auth.me works with proofs', async () => {
    const key = await dpopKey()
    const tokens = await boundSignIn(key)
    expect(tokens.tokenType).toBe('DPoP')
    expect(jose.decodeJwt(tokens.accessToken).cnf).toEqual({ jkt: key.jkt })
    for (const instance of service.instances) expect((await me(key, tokens.accessToken, instance.address)).status).toBe(200)
  })

  it('an Ed25519 (EdDSA) key binds as well', async () => {
    const key = await dpopKey('EdDSA')
    const tokens = await boundSignIn(key)
    expect(jose.decodeJwt(tokens.accessToken).cnf).toEqual({ jkt: key.jkt })
    expect((await me(key, tokens.accessToken, second())).status).toBe(200)
  })

  it('without a DPoP header nothing changes: Bearer, no cnf', async () => {
    const { response } = await complete(undefined)
    const tokens = tokenResponse.parse(response.body.result!.data)
    expect(tokens.tokenType).toBe('Bearer')
    expect(jose.decodeJwt(tokens.accessToken).cnf).toBeUndefined()
  })

  it('refresh with the key rotates on the other instance; the new pair stays bound to it', async () => {
    const key = await dpopKey()
    const tokens = await boundSignIn(key)
    const response = await refresh(tokens.refreshToken, await dpopProof(key, { htm: 'POST', htu: refreshUrl }), second())
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    const next = tokenResponse.parse(response.body.result!.data)
    expect(next.tokenType).toBe('DPoP')
    expect(jose.decodeJwt(next.accessToken).cnf).toEqual({ jkt: key.jkt })
    expect((await me(key, next.accessToken)).status).toBe(200)
  })

  it('refresh without the key (no proof, or a proof by another key) is invalid_grant and does not spend the token', async () => {
    const key = await dpopKey()
    const tokens = await boundSignIn(key)
    expectRefusal(await refresh(tokens.refreshToken), 'invalid_grant')
    const thief = await dpopKey()
    expectRefusal(
      await refresh(tokens.refreshToken, await dpopProof(thief, { htm: 'POST', htu: refreshUrl }), second()),
      'invalid_grant',
    )
    // Not spent, and the login not revoked: the holder of the key still refreshes, and its new token works.
    const response = await refresh(tokens.refreshToken, await dpopProof(key, { htm: 'POST', htu: refreshUrl }))
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect((await me(key, tokenResponse.parse(response.body.result!.data).accessToken, second())).status).toBe(200)
  })

  it('a bound refresh token with the mark stripped is just an unknown token (invalid_grant), and spends nothing', async () => {
    const key = await dpopKey()
    const tokens = await boundSignIn(key)
    const stripped = tokens.refreshToken.replace('.dpop.', '.')
    expectRefusal(await refresh(stripped), 'invalid_grant')
    expect((await refresh(tokens.refreshToken, await dpopProof(key, { htm: 'POST', htu: refreshUrl }))).status).toBe(200)
  })

  it('a malformed or invalid proof at complete is invalid_request and spends nothing: the same pair completes after', async () => {
    const key = await dpopKey()
    const first = await complete('not-a-jwt')
    expectRefusal(first.response, 'invalid_request')
    const bad = [
      await dpopProof(key, { htm: 'GET', htu: completeUrl }), // wrong htm
      await dpopProof(key, { htm: 'POST', htu: `${service.publicUrl}/trpc/auth.refresh` }), // wrong htu
      await dpopProof(key, { htm: 'POST', htu: completeUrl, iat: Math.floor(Date.now() / 1000) - 120 }), // stale
      await dpopProof(key, { htm: 'POST', htu: completeUrl }, { typ: 'JWT' }), // not a DPoP proof
      await dpopProof(key, { htm: 'POST', htu: completeUrl, jti: undefined }), // no jti
    ]
    for (const proof of bad) expectRefusal((await complete(proof, first.pair)).response, 'invalid_request')
    const { response } = await complete(await dpopProof(key, { htm: 'POST', htu: completeUrl }), first.pair)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
  })

  it('a proof signed with HS256 or a private key in its header is refused (invalid_request)', async () => {
    const key = await dpopKey()
    const privateJwk = await jose.exportJWK(key.privateKey)
    const withPrivate = await dpopProof(key, { htm: 'POST', htu: completeUrl }, { jwk: privateJwk })
    const hs = await new jose.SignJWT({ htm: 'POST', htu: completeUrl, iat: Math.floor(Date.now() / 1000), jti: 'x' })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } as never })
      .sign(new TextEncoder().encode('secret'))
    const first = await complete(withPrivate)
    expectRefusal(first.response, 'invalid_request')
    expectRefusal((await complete(hs, first.pair)).response, 'invalid_request')
  })

  it('a proof replayed at complete on the other instance is invalid_request and spends nothing', async () => {
    const key = await dpopKey()
    const proof = await dpopProof(key, { htm: 'POST', htu: completeUrl })
    const used = await complete(proof)
    expect(used.response.status).toBe(200)
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const replayed = await callProcedure(second(), 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
      headers: { dpop: proof },
    })
    expectRefusal(replayed, 'invalid_request')
    const again = await complete(await dpopProof(key, { htm: 'POST', htu: completeUrl }), { flow, serverCode } as never)
    expect(again.response.status).toBe(200)
  })

  it('a malformed proof at refresh is invalid_request and spends nothing', async () => {
    const key = await dpopKey()
    const tokens = await boundSignIn(key)
    expectRefusal(await refresh(tokens.refreshToken, 'x.y.z'), 'invalid_request')
    expect((await refresh(tokens.refreshToken, await dpopProof(key, { htm: 'POST', htu: refreshUrl }))).status).toBe(200)
  })

  it('an unbound refresh token refreshed with a proof is upgraded: the new pair is bound', async () => {
    const { response } = await complete(undefined)
    const plain = tokenResponse.parse(response.body.result!.data)
    const key = await dpopKey()
    const next = tokenResponse.parse(
      (await refresh(plain.refreshToken, await dpopProof(key, { htm: 'POST', htu: refreshUrl }))).body.result!.data,
    )
    expect(next.tokenType).toBe('DPoP')
    expect(jose.decodeJwt(next.accessToken).cnf).toEqual({ jkt: key.jkt })
  })
})

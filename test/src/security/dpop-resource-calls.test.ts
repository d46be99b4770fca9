import { tokenResponse, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dpopKey, dpopProof, type DpopKey } from '../support/dpop.js'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { obtainServerCode } from '../support/sign-in.js'
import { callProcedure, type WireResponse } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

const PROOF_CHALLENGE = 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"'
const TOKEN_CHALLENGE = 'DPoP error="invalid_token", algs="ES256 EdDSA"'

/**
 * Contract v1.2: a bound access token is accepted only as `Authorization: DPoP`
 * with a proof for that very request. Every refusal of the contract's list, on
 * two instances of one service sharing one real Redis (the `jti` is single-use
 * across them), with RFC 9449's `WWW-Authenticate` challenge.
 */
describe('DPoP-bound access tokens on authenticated calls (two instances, real Redis)', () => {
  let service: Service
  let key: DpopKey
  let tokens: TokenResponse
  let meUrl: string

  beforeAll(async () => {
    service = await startAttackedService({ instances: 2 })
    meUrl = `${service.publicUrl}/trpc/auth.me`
    key = await dpopKey()
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const proof = await dpopProof(key, { htm: 'POST', htu: `${service.publicUrl}/trpc/auth.complete` })
    const response = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
      headers: { dpop: proof },
    })
    tokens = tokenResponse.parse(response.body.result!.data)
    expect(tokens.tokenType).toBe('DPoP')
  })
  afterAll(() => service?.close())

  const me = (headers: Record<string, string>, at = service.bp.url) => callProcedure(at, 'auth.me', { headers })
  const withProof = async (claims: Partial<Parameters<typeof dpopProof>[1]> = {}, signer = key) => ({
    authorization: `DPoP ${tokens.accessToken}`,
    dpop: await dpopProof(signer, { htm: 'GET', htu: meUrl, accessToken: tokens.accessToken, ...claims }),
  })

  function expectRefused(response: WireResponse, challenge: string) {
    expectRefusal(response, 'invalid_token')
    expect(response.headers.get('www-authenticate')).toBe(challenge)
  }

  it('accepted with a fresh proof for the request, on both instances (PUBLIC_URL is the htu, whichever instance answers)', async () => {
    for (const instance of service.instances) {
      const response = await me(await withProof(), instance.address)
      expect(response.status, JSON.stringify(response.body)).toBe(200)
      expect(response.headers.get('www-authenticate')).toBeNull()
    }
  })

  it('a replayed jti is refused on the other instance', async () => {
    const headers = await withProof()
    expect((await me(headers)).status).toBe(200)
    expectRefused(await me(headers, service.instances[1]!.address), PROOF_CHALLENGE)
    expectRefused(await me(headers), PROOF_CHALLENGE)
  })

  it('Bearer use of a bound token is refused', async () => {
    expectRefused(await me({ authorization: `Bearer ${tokens.accessToken}` }), TOKEN_CHALLENGE)
    // Even with a valid proof alongside.
    const { dpop } = await withProof()
    expectRefused(await me({ authorization: `Bearer ${tokens.accessToken}`, dpop }), TOKEN_CHALLENGE)
  })

  it('DPoP without a proof is refused', async () => {
    expectRefused(await me({ authorization: `DPoP ${tokens.accessToken}` }), PROOF_CHALLENGE)
  })

  it('a proof by another key is refused', async () => {
    expectRefused(await me(await withProof({}, await dpopKey())), PROOF_CHALLENGE)
  })

  it('a wrong htm is refused', async () => {
    expectRefused(await me(await withProof({ htm: 'POST' })), PROOF_CHALLENGE)
  })

  it('a wrong htu is refused: another procedure, another origin, an instance’s own address instead of PUBLIC_URL', async () => {
    expectRefused(await me(await withProof({ htu: `${service.publicUrl}/trpc/auth.providers` })), PROOF_CHALLENGE)
    expectRefused(await me(await withProof({ htu: 'https://evil.example/trpc/auth.me' })), PROOF_CHALLENGE)
    const second = service.instances[1]!.address
    expectRefused(await me(await withProof({ htu: `${second}/trpc/auth.me` }), second), PROOF_CHALLENGE)
  })

  it('htu is compared without query or fragment', async () => {
    expect((await me(await withProof({ htu: `${meUrl}?input=x#y` }))).status).toBe(200)
  })

  it('a missing or wrong ath is refused', async () => {
    expectRefused(await me(await withProof({ accessToken: undefined })), PROOF_CHALLENGE)
    expectRefused(await me(await withProof({ accessToken: `${tokens.accessToken}x` })), PROOF_CHALLENGE)
  })

  it('a stale iat (or one from the future) is refused; one within 60 s passes', async () => {
    const now = Math.floor(Date.now() / 1000)
    expectRefused(await me(await withProof({ iat: now - 90 })), PROOF_CHALLENGE)
    expectRefused(await me(await withProof({ iat: now + 90 })), PROOF_CHALLENGE)
    expect((await me(await withProof({ iat: now - 30 }))).status).toBe(200)
  })

  it('a batched call proves the batch’s URL (/trpc/a,b)', async () => {
    const batchPath = '/trpc/auth.me,auth.providers'
    const call = async (htu: string) => {
      const response = await fetch(`${service.bp.url}${batchPath}?batch=1&input=${encodeURIComponent('{}')}`, {
        headers: await withProof({ htu }),
      })
      return (await response.json()) as { result?: unknown; error?: { data: { reason: string } } }[]
    }
    const good = await call(`${service.publicUrl}${batchPath}`)
    expect(good[0]!.result).toBeDefined()
    expect((await call(meUrl))[0]!.error?.data.reason).toBe('invalid_token')
  })

  it('the challenge also comes through tRPC’s own adapter (a request the fast path hands over)', async () => {
    const response = await fetch(`${service.bp.url}/trpc/auth.me?batch=1&input=${encodeURIComponent('{}')}`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(TOKEN_CHALLENGE)
  })

  it('auth.sessions and auth.revokeSession want the proof too (every authenticated procedure)', async () => {
    const sessionsUrl = `${service.publicUrl}/trpc/auth.sessions`
    expectRefused(
      await callProcedure(service.bp.url, 'auth.sessions', { headers: { authorization: `Bearer ${tokens.accessToken}` } }),
      TOKEN_CHALLENGE,
    )
    const listed = await callProcedure<{ sessions: { id: string; current: boolean }[] }>(service.bp.url, 'auth.sessions', {
      headers: await withProof({ htu: sessionsUrl }),
    })
    expect(listed.status, JSON.stringify(listed.body)).toBe(200)
    expect(listed.body.result?.data.sessions.some((session) => session.current)).toBe(true)
    const revoke = await callProcedure(service.bp.url, 'auth.revokeSession', {
      mutation: { sessionId: 'someone-else' },
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    })
    expectRefused(revoke, TOKEN_CHALLENGE)
  })

  it('a plain Bearer token sent as DPoP is refused; as Bearer it works with no challenge', async () => {
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const plain = tokenResponse.parse(
      (await callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode: flow.pair.clientCode, serverCode } })).body
        .result!.data,
    )
    const dpop = await dpopProof(key, { htm: 'GET', htu: meUrl, accessToken: plain.accessToken })
    expectRefused(await me({ authorization: `DPoP ${plain.accessToken}`, dpop }), TOKEN_CHALLENGE)
    expect((await me({ authorization: `Bearer ${plain.accessToken}` })).status).toBe(200)
  })

  it('introspection judges a bound token active without a proof (the resource server asks), token_type DPoP with cnf', async () => {
    const response = await fetch(`${service.bp.url}/oauth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.accessToken }),
    })
    const body = (await response.json()) as { active: boolean; token_type?: string; cnf?: { jkt: string } }
    expect(body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } })
  })
})

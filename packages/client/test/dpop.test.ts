import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTRPCUntypedClient } from '@trpc/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryKeyStore, memoryStorage } from '@boarding-pass/client'
import { boardingPassLink } from '@boarding-pass/client/trpc'
import { createAuthenticator, isBoardingPassError } from '@boarding-pass/verify'
import type { TestInstance } from '../../../test/src/support/boarding-pass.js'
import { harness, signInThroughProvider, startService } from './support.js'

let bp: TestInstance
/** A service of the app's own, checking tokens and proofs with @boarding-pass/verify. */
let api: Server
let apiUrl: string
beforeAll(async () => {
  bp = await startService({ AUTH_ACCESS_TOKEN_TTL: '2' })
  const authenticate = createAuthenticator({ issuer: bp.url, audience: bp.url })
  api = createServer((req, res) => {
    authenticate(req).then(
      (user) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: user.id, jkt: user.claims.cnf?.jkt })),
      (error: unknown) =>
        res
          .writeHead(isBoardingPassError(error) ? 401 : 500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ reason: isBoardingPassError(error) ? error.reason : 'unexpected' })),
    )
  })
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
})
afterAll(async () => {
  await Promise.all([bp?.close(), new Promise((resolve) => api?.close(resolve))])
})

/** The claims of a JWT, unverified. */
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

/** A tRPC call from Node, as someone who copied a token out of the browser would make it (no key). */
async function replay(path: string, init: RequestInit): Promise<{ status: number; reason?: string; challenge: string | null }> {
  const response = await fetch(`${bp.url}/trpc/${path}`, init)
  const body = (await response.json()) as { error?: { data?: { reason?: string } } }
  return { status: response.status, reason: body.error?.data?.reason, challenge: response.headers.get('www-authenticate') }
}

describe('DPoP in @boarding-pass/client (real server)', () => {
  it('binds the tokens to its key: DPoP token type, cnf.jkt = the key, auth.me with a proof, refresh with the key', async () => {
    const storage = memoryStorage()
    const h = harness(bp, { dpop: memoryKeyStore(), storage })
    const steps: Array<Record<string, string> | undefined> = []
    h.client.on('step', (step) => step.action === 'auth.complete' && step.status === 'done' && steps.push(step.received))
    await signInThroughProvider(h)
    const binding = h.client.state.binding
    expect(binding?.type).toBe('dpop')
    const token = await h.client.getAccessToken()
    expect(claimsOf(token).cnf).toEqual({ jkt: binding?.type === 'dpop' ? binding.jkt : 'none' })
    expect(JSON.parse(storage.getItem('boarding-pass:session')!).tokenType).toBe('DPoP')
    // The flow inspector's view of step 3: the tokens' cnf.jkt is this key.
    expect(steps).toEqual([
      expect.objectContaining({ tokenType: 'DPoP', 'cnf.jkt': binding?.type === 'dpop' ? binding.jkt : 'none' }),
    ])
    expect((await h.client.me()).name).toBe('Ada Lovelace')
    await h.client.refresh()
    expect(claimsOf(await h.client.getAccessToken()).cnf).toEqual(claimsOf(token).cnf)
    expect((await h.client.sessions()).length).toBeGreaterThan(0)
    h.client.dispose()
  })

  it('a copied refresh token is refused without the key (invalid_grant) and not spent; a copied access token as Bearer is refused', async () => {
    const storage = memoryStorage()
    const h = harness(bp, { dpop: memoryKeyStore(), storage })
    await signInThroughProvider(h)
    const { refreshToken } = JSON.parse(storage.getItem('boarding-pass:session')!) as { refreshToken: string }
    expect(refreshToken).toContain('.dpop.')
    const stolen = await replay('auth.refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    })
    expect(stolen).toMatchObject({ status: 401, reason: 'invalid_grant' })

    const accessToken = await h.client.getAccessToken()
    const asBearer = await replay('auth.me', { headers: { authorization: `Bearer ${accessToken}` } })
    expect(asBearer).toMatchObject({ status: 401, reason: 'invalid_token' })
    const withoutProof = await replay('auth.me', { headers: { authorization: `DPoP ${accessToken}` } })
    expect(withoutProof.status).toBe(401)

    // Not spent: the client, which has the key, still refreshes with it.
    await h.client.refresh()
    expect(h.client.state.status).toBe('signed-in')
    expect((await h.client.me()).name).toBe('Ada Lovelace')
    h.client.dispose()
  })

  it('client.fetch sends the app’s own API a fresh proof for its method and URL, which @boarding-pass/verify accepts', async () => {
    const h = harness(bp, { dpop: memoryKeyStore(), apiOrigins: [apiUrl] })
    await signInThroughProvider(h)
    const seen: Array<string | null> = []
    for (const path of ['/orders?page=1', '/orders/7']) {
      const response = await h.client.fetch(`${apiUrl}${path}`, { method: path.endsWith('7') ? 'DELETE' : 'GET' })
      expect(response.status).toBe(200)
      expect(((await response.json()) as { jkt?: string }).jkt).toBe(
        h.client.state.binding?.type === 'dpop' ? h.client.state.binding.jkt : 'none',
      )
    }
    // A proof is accepted once: the same request replayed as it was sent is refused.
    const token = await h.client.getAccessToken()
    let proof = ''
    const capture = harness(bp, {
      dpop: memoryKeyStore(),
      apiOrigins: [apiUrl],
      fetch: (input, init) => {
        const request = new Request(input, init)
        seen.push(request.headers.get('authorization'))
        proof = request.headers.get('dpop') ?? proof
        return fetch(request)
      },
    })
    await signInThroughProvider(capture)
    const first = await capture.client.fetch(`${apiUrl}/orders`)
    expect(first.status).toBe(200)
    expect(seen.at(-1)).toMatch(/^DPoP /)
    const again = await fetch(`${apiUrl}/orders`, {
      headers: { authorization: seen.at(-1)!, dpop: proof },
    })
    expect(again.status).toBe(401)
    expect(token).not.toBe('')
    h.client.dispose()
    capture.client.dispose()
  })

  it('the tRPC link: a batch (htu with its comma) and a refresh after expiry, all bound', async () => {
    const h = harness(bp, { dpop: memoryKeyStore() })
    await signInThroughProvider(h)
    const api = createTRPCUntypedClient({ links: [boardingPassLink(h.client, { url: `${bp.url}/trpc` })] })
    const [first, second] = await Promise.all([api.query('auth.me'), api.query('auth.me')])
    expect(first).toMatchObject({ name: 'Ada Lovelace' })
    expect(second).toEqual(first)
    expect(h.calls.at(-1)).toBe('auth.me,auth.me')
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    expect(await api.query('auth.me')).toMatchObject({ name: 'Ada Lovelace' })
    expect(h.calls.slice(-2)).toEqual(['auth.refresh', 'auth.me'])
    h.client.dispose()
  })

  it('a proof refused (401 invalid_dpop_proof) is signed again and the call retried once', async () => {
    let used: string | undefined
    let refreshes = 0
    const answers: Array<{ status: number; challenge: string | null }> = []
    const h = harness(bp, {
      dpop: memoryKeyStore(),
      fetch: async (input, init) => {
        const request = new Request(input, init)
        if (request.url.endsWith('/trpc/auth.refresh')) refreshes++
        // The first auth.me goes out with a proof already spent by an earlier call (a replay, as the server sees it).
        if (request.url.includes('/trpc/auth.me') && used && answers.length === 0) request.headers.set('dpop', used)
        used ??= request.headers.get('dpop') ?? undefined
        const response = await fetch(request)
        if (request.url.includes('/trpc/auth.me'))
          answers.push({ status: response.status, challenge: response.headers.get('www-authenticate') })
        return response
      },
    })
    await signInThroughProvider(h)
    expect((await h.client.me()).name).toBe('Ada Lovelace')
    expect(answers.map((answer) => answer.status)).toEqual([401, 200])
    expect(answers[0]!.challenge).toMatch(/invalid_dpop_proof/)
    // Retried with a new proof, not by refreshing the tokens.
    expect(refreshes).toBe(0)
    h.client.dispose()
  })

  it('dpop: false, or no key store in Node: Bearer tokens, and the state says why', async () => {
    for (const options of [{ dpop: false as const }, {}]) {
      const h = harness(bp, options)
      await signInThroughProvider(h)
      expect(h.client.state.binding?.type).toBe('bearer')
      expect(claimsOf(await h.client.getAccessToken()).cnf).toBeUndefined()
      expect((await h.client.me()).name).toBe('Ada Lovelace')
      h.client.dispose()
    }
  })
})

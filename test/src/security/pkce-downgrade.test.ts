import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import type { Service } from '../support/service.js'
import { beginFlow } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * PKCE downgrade (RFC 9700 §2.1.1, §4.8): only sha256, sha384 and sha512 are
 * accepted for the Client Code Hash; `plain` (the Client Code itself on the
 * wire at step 1) and every spelling that is not exactly one of the three are
 * refused as unsupported_hash_method, in both modes. Towards the provider the
 * broker always uses S256 with a verifier of its own.
 */
const REFUSED_METHODS = [
  'plain',
  'PLAIN',
  'Plain',
  'none',
  'None',
  'null',
  'S256',
  's256',
  'SHA-256',
  'sha-256',
  'SHA256',
  'Sha256',
  'SHA512',
  'sha1',
  'md5',
  'sha224',
  'sha3-256',
  'sha512/256',
  'sha256 ',
  ' sha256',
  'sha256\u0000',
  'ｓｈａ２５６',
  'sha256,plain',
]

describe('PKCE downgrade: hash methods other than sha256/sha384/sha512 are refused', () => {
  let service: Service
  let hash: string

  beforeAll(async () => {
    service = await startAttackedService()
    hash = (await createClientCodePair()).clientCodeHash
  })
  afterAll(() => service?.close())

  it.each(REFUSED_METHODS)('redirect mode, hashMethod %j: unsupported_hash_method, no flow', async (hashMethod) => {
    const response = await callProcedure(service.bp.url, 'auth.start', {
      mutation: { provider: 'acme', clientCodeHash: hash, hashMethod, redirectUri: service.redirectUri },
    })
    expectRefusal(response, 'unsupported_hash_method')
  })

  it.each(REFUSED_METHODS)('cross-device mode, hashMethod %j: unsupported_hash_method, no flow', async (hashMethod) => {
    const response = await callProcedure(service.bp.url, 'auth.start', {
      mutation: { mode: 'cross-device', clientCodeHash: hash, hashMethod },
    })
    expectRefusal(response, 'unsupported_hash_method')
  })

  it('plain with the Client Code itself as the "hash" is refused, before anything else is looked at', async () => {
    const { clientCode } = await createClientCodePair()
    const response = await callProcedure(service.bp.url, 'auth.start', {
      mutation: {
        provider: 'no-such-provider',
        clientCodeHash: clientCode,
        hashMethod: 'plain',
        redirectUri: 'https://evil.example/',
      },
    })
    expectRefusal(response, 'unsupported_hash_method')
  })

  it('no hashMethod at all is not taken as a default: the request is invalid_request', async () => {
    const response = await callProcedure(service.bp.url, 'auth.start', {
      mutation: { provider: 'acme', clientCodeHash: hash, redirectUri: service.redirectUri },
    })
    expectRefusal(response, 'invalid_request')
  })

  it.each(['sha256', 'sha384', 'sha512'] as const)('%s is accepted', async (hashMethod) => {
    await beginFlow(service.bp.url, { redirectUri: service.redirectUri, hashMethod })
  })

  it('towards the provider: S256 with a fresh verifier of the broker’s, never the client’s hash', async () => {
    const flows = await Promise.all([1, 2].map(() => beginFlow(service.bp.url, { redirectUri: service.redirectUri })))
    const challenges = flows.map((flow) => {
      const url = new URL(flow.authorizationUrl)
      expect(url.searchParams.get('code_challenge_method')).toBe('S256')
      const challenge = url.searchParams.get('code_challenge')!
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(challenge).not.toBe(flow.pair.clientCodeHash)
      expect(flow.authorizationUrl).not.toContain(flow.pair.clientCodeHash)
      expect(flow.authorizationUrl).not.toContain(flow.pair.clientCode)
      return challenge
    })
    expect(challenges[0]).not.toBe(challenges[1])
  })
})

import { createClientCodePair, generateClientCode } from '@boarding-pass/shared'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { callProcedure } from '../support/trpc-http.js'

describe('unsupported_hash_method: only sha256, sha384 and sha512', () => {
  let service: Service

  beforeAll(async () => {
    service = await startService()
  })
  afterAll(() => service?.close())

  const start = (hashMethod: string, clientCodeHash: string) =>
    callProcedure(service.bp.url, 'auth.start', {
      mutation: { provider: 'acme', clientCodeHash, hashMethod, redirectUri: service.redirectUri },
    })

  it('refuses "plain" even with a well-formed 43-character value (a PKCE downgrade: the Client Code itself)', async () => {
    const clientCode = generateClientCode()
    const error = expectRefusal(await start('plain', clientCode), 'unsupported_hash_method')
    expect(error.message).toMatch(/sha256, sha384 or sha512/)
  })

  it.each([
    ['SHA256', 'sha256'],
    ['S256', 'sha256'],
    ['sha-256', 'sha256'],
    ['SHA-512', 'sha512'],
    ['Sha384', 'sha384'],
    ['md5', 'sha256'],
    ['sha1', 'sha256'],
    ['sha3-256', 'sha256'],
    ['none', 'sha256'],
    [' sha256', 'sha256'],
  ] as const)('refuses %j, with a digest of the right size beside it', async (hashMethod, digest) => {
    const clientCode = generateClientCode()
    const hash = createHash(digest).update(clientCode).digest('base64url')
    expectRefusal(await start(hashMethod, hash), 'unsupported_hash_method')
  })

  it.each(['sha256', 'sha384', 'sha512'] as const)('accepts %s', async (method) => {
    const pair = await createClientCodePair(method)
    expect((await start(method, pair.clientCodeHash)).status).toBe(200)
  })
})

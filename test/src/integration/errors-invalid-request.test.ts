import { createClientCodePair, generateClientCode } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { callProcedure, type WireResponse } from '../support/trpc-http.js'

/** POSTs `body` as-is (not JSON-encoded by us) to a procedure. */
async function postRaw(baseUrl: string, path: string, body: string, contentType = 'application/json'): Promise<WireResponse> {
  const response = await fetch(`${baseUrl}/trpc/${path}`, { method: 'POST', headers: { 'content-type': contentType }, body })
  return { status: response.status, headers: response.headers, body: (await response.json()) as WireResponse['body'] }
}

describe('invalid_request: input that fails its schema is refused with 400', () => {
  let service: Service
  let start: { provider: string; clientCodeHash: string; hashMethod: string; redirectUri: string }

  beforeAll(async () => {
    service = await startService()
    const pair = await createClientCodePair()
    start = { provider: 'acme', clientCodeHash: pair.clientCodeHash, hashMethod: 'sha256', redirectUri: service.redirectUri }
  })
  afterAll(() => service?.close())

  it('the valid input it is compared with is accepted', async () => {
    expect((await callProcedure(service.bp.url, 'auth.start', { mutation: start })).status).toBe(200)
  })

  describe('auth.start', () => {
    it('with no fields at all', async () => {
      expectRefusal(await callProcedure(service.bp.url, 'auth.start', { mutation: {} }), 'invalid_request')
    })

    it.each(['provider', 'clientCodeHash', 'hashMethod', 'redirectUri'])('without %s', async (field) => {
      const { [field as keyof typeof start]: _dropped, ...input } = start
      const error = expectRefusal(await callProcedure(service.bp.url, 'auth.start', { mutation: input }), 'invalid_request')
      expect(error.data.path).toBe('auth.start')
    })

    it.each([
      ['provider', 7],
      ['clientCodeHash', ['x']],
      ['hashMethod', 256],
      ['redirectUri', null],
      ['redirectUri', { href: 'https://app.example/cb' }],
    ])('with %s of the wrong type (%j)', async (field, value) => {
      expectRefusal(
        await callProcedure(service.bp.url, 'auth.start', { mutation: { ...start, [field]: value } }),
        'invalid_request',
      )
    })

    it.each([
      ['padding', (hash: string) => `${hash}=`],
      ['base64 (not base64url) characters', (hash: string) => `${hash.slice(0, -2)}+/`],
      ['a character cut off', (hash: string) => hash.slice(1)],
    ])('with a clientCodeHash with %s', async (_why, mangle) => {
      const input = { ...start, clientCodeHash: mangle(start.clientCodeHash) }
      expectRefusal(await callProcedure(service.bp.url, 'auth.start', { mutation: input }), 'invalid_request')
    })

    it.each([
      ['sha256', 'sha384'],
      ['sha256', 'sha512'],
      ['sha384', 'sha256'],
      ['sha384', 'sha512'],
      ['sha512', 'sha256'],
      ['sha512', 'sha384'],
    ] as const)('with a %s-sized clientCodeHash declared as %s', async (madeWith, declared) => {
      const pair = await createClientCodePair(madeWith)
      const input = { ...start, clientCodeHash: pair.clientCodeHash, hashMethod: declared }
      expectRefusal(await callProcedure(service.bp.url, 'auth.start', { mutation: input }), 'invalid_request')
    })

    it.each([
      ['an array', '[]'],
      ['a string', '"auth"'],
      ['null', 'null'],
      ['a number', '42'],
    ])('with a JSON body that is %s, not an object', async (_why, body) => {
      expectRefusal(await postRaw(service.bp.url, 'auth.start', body), 'invalid_request')
    })
  })

  describe('auth.complete', () => {
    const serverCode = 'S'.repeat(43)

    it('with no fields at all', async () => {
      expectRefusal(await callProcedure(service.bp.url, 'auth.complete', { mutation: {} }), 'invalid_request')
    })

    it('without clientCode, or without serverCode', async () => {
      expectRefusal(await callProcedure(service.bp.url, 'auth.complete', { mutation: { serverCode } }), 'invalid_request')
      const clientCode = generateClientCode()
      expectRefusal(await callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode } }), 'invalid_request')
    })

    it.each([
      ['42 characters (fewer than RFC 7636 allows)', 'C'.repeat(42)],
      ['129 characters (more than RFC 7636 allows)', 'C'.repeat(129)],
      ['a + (outside the unreserved set)', `${'C'.repeat(42)}+`],
      ['a / (outside the unreserved set)', `${'C'.repeat(42)}/`],
      ['padding', `${'C'.repeat(43)}=`],
      ['a space', `${'C'.repeat(42)} `],
    ])('with a clientCode of %s, without echoing it', async (_why, clientCode) => {
      const response = await callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode, serverCode } })
      expectRefusal(response, 'invalid_request')
      expect(JSON.stringify(response.body)).not.toContain(clientCode.trim())
    })

    it.each([
      ['a number clientCode', { clientCode: 1234, serverCode }],
      ['an empty serverCode', { clientCode: generateClientCode(), serverCode: '' }],
      ['a serverCode of 513 characters', { clientCode: generateClientCode(), serverCode: 'S'.repeat(513) }],
      ['a number serverCode', { clientCode: generateClientCode(), serverCode: 5 }],
    ])('with %s', async (_why, input) => {
      expectRefusal(await callProcedure(service.bp.url, 'auth.complete', { mutation: input }), 'invalid_request')
    })
  })

  describe('auth.refresh and auth.logout', () => {
    it.each(['auth.refresh', 'auth.logout'])('%s without a refreshToken, with an empty one, or a number', async (path) => {
      expectRefusal(await callProcedure(service.bp.url, path, { mutation: {} }), 'invalid_request')
      expectRefusal(await callProcedure(service.bp.url, path, { mutation: { refreshToken: '' } }), 'invalid_request')
      expectRefusal(await callProcedure(service.bp.url, path, { mutation: { refreshToken: 12 } }), 'invalid_request')
    })
  })

  describe('malformed JSON', () => {
    it.each([
      ['cut off', '{"provider":"acme","clientCodeHash":'],
      ['single-quoted', "{'provider':'acme'}"],
      ['trailing comma', '{"provider":"acme",}'],
      ['not JSON at all', 'provider=acme&hashMethod=sha256'],
    ])('a body that is %s is invalid_request (400), without the parser’s internals', async (_why, body) => {
      const error = expectRefusal(await postRaw(service.bp.url, 'auth.start', body), 'invalid_request')
      expect(error.message).not.toMatch(/JSON\.parse|SyntaxError|position \d+/)
    })

    it('a JSON body with charset in its content type is still JSON', async () => {
      const response = await postRaw(service.bp.url, 'auth.start', JSON.stringify(start), 'application/json; charset=utf-8')
      expect(response.status).toBe(200)
    })
  })
})

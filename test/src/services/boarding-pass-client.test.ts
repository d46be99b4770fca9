import { TRPCClientError } from '@trpc/client'
import { describe, expect, it } from 'vitest'
import { createBoardingPassClient, getErrorReason } from './support/boarding-pass-client.js'

describe('createBoardingPassClient', () => {
  it.each([
    ['no options', undefined],
    ['a relative url', { url: '/trpc' }],
    ['a non-http url', { url: 'ftp://login.example.test' }],
    ['a url with a query', { url: 'https://login.example.test?x=1' }],
    ['getAccessToken that is not a function', { url: 'https://login.example.test', getAccessToken: 'token' }],
  ])('throws TypeError for %s', (_, options) => {
    expect(() => createBoardingPassClient(options as never)).toThrow(TypeError)
  })

  it('calls {url}/trpc/<path> with the Bearer token from getAccessToken, no transformer', async () => {
    const seen: { url: string; authorization: string | null }[] = []
    const client = createBoardingPassClient({
      url: 'https://login.example.test/',
      getAccessToken: async () => 'the-token',
      fetch: async (input, init) => {
        seen.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') })
        return new Response(JSON.stringify({ result: { data: { id: 'acme:ada', provider: 'acme' } } }), {
          headers: { 'content-type': 'application/json' },
        })
      },
    })
    await expect(client.auth.me.query()).resolves.toEqual({ id: 'acme:ada', provider: 'acme' })
    expect(seen).toEqual([{ url: 'https://login.example.test/trpc/auth.me', authorization: 'Bearer the-token' }])
  })
})

describe('getErrorReason', () => {
  it("reads the contract's reason from a failed call, and nothing from anything else", () => {
    const refusal = TRPCClientError.from({
      error: { message: 'no', code: -32001, data: { code: 'UNAUTHORIZED', httpStatus: 401, reason: 'invalid_token' } },
    })
    expect(getErrorReason(refusal)).toBe('invalid_token')
    expect(
      getErrorReason(TRPCClientError.from({ error: { message: 'x', code: -32001, data: { reason: 'made_up' } } })),
    ).toBeUndefined()
    expect(getErrorReason(new Error('network'))).toBeUndefined()
    expect(getErrorReason(undefined)).toBeUndefined()
  })
})

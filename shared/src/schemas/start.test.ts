import { describe, expect, it } from 'vitest'
import { redirectStartInput, startInput, startOutput } from './start.js'

const valid = {
  provider: 'acme',
  clientCodeHash: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  hashMethod: 'sha256',
  redirectUri: 'https://app.example/callback',
}

describe('startInput (auth.start, the v1 redirect flow)', () => {
  it('accepts the contract shape', () => {
    expect(startInput.parse(valid)).toEqual(valid)
  })

  it.each(['provider', 'clientCodeHash', 'hashMethod', 'redirectUri'] as const)('requires %s', (field) => {
    const { [field]: _dropped, ...rest } = valid
    expect(startInput.safeParse(rest).success).toBe(false)
    const result = redirectStartInput.safeParse(rest)
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([[field]])
  })

  it.each(['provider', 'clientCodeHash', 'hashMethod', 'redirectUri'] as const)('refuses a %s that is not a string', (field) => {
    expect(startInput.safeParse({ ...valid, [field]: 42 }).success).toBe(false)
    const result = redirectStartInput.safeParse({ ...valid, [field]: 42 })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual([field])
  })

  it('lets any short hashMethod name through, so the server can refuse it as unsupported_hash_method', () => {
    for (const hashMethod of ['plain', 'SHA256', 'md5']) {
      expect(startInput.safeParse({ ...valid, hashMethod }).success).toBe(true)
    }
    expect(startInput.safeParse({ ...valid, hashMethod: '' }).success).toBe(false)
    expect(startInput.safeParse({ ...valid, hashMethod: 'x'.repeat(33) }).success).toBe(false)
  })

  it.each([
    ['padding', `${valid.clientCodeHash}=`],
    ['standard base64 characters', `${valid.clientCodeHash.slice(0, -2)}+/`],
    ['fewer than 43 characters (shorter than any allowed digest)', valid.clientCodeHash.slice(1)],
    ['more than 86 characters (longer than any allowed digest)', 'A'.repeat(87)],
  ])('refuses a clientCodeHash with %s', (_why, clientCodeHash) => {
    expect(startInput.safeParse({ ...valid, clientCodeHash }).success).toBe(false)
    const result = redirectStartInput.safeParse({ ...valid, clientCodeHash })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual(['clientCodeHash'])
  })

  it('refuses an empty provider and an empty or huge redirectUri', () => {
    expect(startInput.safeParse({ ...valid, provider: '' }).success).toBe(false)
    expect(startInput.safeParse({ ...valid, redirectUri: '' }).success).toBe(false)
    expect(startInput.safeParse({ ...valid, redirectUri: `https://a.example/${'x'.repeat(2048)}` }).success).toBe(false)
  })
})

describe('startOutput', () => {
  it('is { flowId, authorizationUrl, expiresAt }', () => {
    const output = { flowId: 'f', authorizationUrl: 'https://idp.example/auth', expiresAt: new Date(0).toISOString() }
    expect(startOutput.parse(output)).toEqual(output)
    expect(startOutput.safeParse({ flowId: 'f', authorizationUrl: 'x' }).success).toBe(false)
  })
})

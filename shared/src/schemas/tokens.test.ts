import { describe, expect, it } from 'vitest'
import { completeInput, logoutInput, logoutOutput, refreshInput, tokenResponse } from './tokens.js'
import { userSchema } from './user.js'

const clientCode = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'

describe('completeInput (auth.complete)', () => {
  it('accepts both halves of the pair', () => {
    expect(completeInput.parse({ clientCode, serverCode: 'opaque' })).toEqual({ clientCode, serverCode: 'opaque' })
  })

  it.each([
    ['42 characters', clientCode.slice(1)],
    ['129 characters', 'a'.repeat(129)],
    ['a + character', `${clientCode.slice(1)}+`],
    ['a / character', `${clientCode.slice(1)}/`],
    ['padding', `${clientCode}=`],
  ])('refuses a clientCode of %s (not an RFC 7636 code_verifier)', (_why, code) => {
    const result = completeInput.safeParse({ clientCode: code, serverCode: 'opaque' })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual(['clientCode'])
  })

  it('accepts the unreserved characters . and ~ that base64url never makes', () => {
    expect(completeInput.safeParse({ clientCode: `${'a'.repeat(41)}.~`, serverCode: 'x' }).success).toBe(true)
  })

  it('bounds the Server Code: not empty, at most 512 characters', () => {
    expect(completeInput.safeParse({ clientCode, serverCode: '' }).success).toBe(false)
    expect(completeInput.safeParse({ clientCode, serverCode: 'x'.repeat(513) }).success).toBe(false)
    expect(completeInput.safeParse({ clientCode, serverCode: 'x'.repeat(512) }).success).toBe(true)
  })

  it('requires both fields', () => {
    expect(completeInput.safeParse({ clientCode }).success).toBe(false)
    expect(completeInput.safeParse({ serverCode: 'x' }).success).toBe(false)
  })
})

describe('refreshInput and logoutInput', () => {
  it.each([
    ['refresh', refreshInput],
    ['logout', logoutInput],
  ])('%s takes one non-empty refreshToken', (_name, schema) => {
    expect(schema.safeParse({ refreshToken: 'a.b' }).success).toBe(true)
    expect(schema.safeParse({ refreshToken: '' }).success).toBe(false)
    expect(schema.safeParse({}).success).toBe(false)
    expect(schema.safeParse({ refreshToken: 7 }).success).toBe(false)
  })

  it('logout answers exactly { ok: true }', () => {
    expect(logoutOutput.parse({ ok: true })).toEqual({ ok: true })
    expect(logoutOutput.safeParse({ ok: false }).success).toBe(false)
  })
})

describe('tokenResponse', () => {
  const response = {
    accessToken: 'a.b.c',
    tokenType: 'Bearer',
    expiresIn: 900,
    refreshToken: 'r',
    user: { id: 'acme:ada', provider: 'acme' },
  }

  it('is { accessToken, tokenType: "Bearer", expiresIn, refreshToken, user }', () => {
    expect(tokenResponse.parse(response)).toEqual(response)
  })

  it('has tokenType exactly "Bearer" and expiresIn a positive whole number of seconds', () => {
    expect(tokenResponse.safeParse({ ...response, tokenType: 'bearer' }).success).toBe(false)
    expect(tokenResponse.safeParse({ ...response, expiresIn: 0 }).success).toBe(false)
    expect(tokenResponse.safeParse({ ...response, expiresIn: 1.5 }).success).toBe(false)
    expect(tokenResponse.safeParse({ ...response, expiresIn: '900' }).success).toBe(false)
  })
})

describe('userSchema', () => {
  it('needs id and provider; name, email and picture are optional', () => {
    expect(userSchema.parse({ id: 'x:1', provider: 'x' })).toEqual({ id: 'x:1', provider: 'x' })
    const full = { id: 'x:1', provider: 'x', name: 'Ada', email: 'ada@example.test', picture: 'https://p.example/a.png' }
    expect(userSchema.parse(full)).toEqual(full)
    expect(userSchema.safeParse({ id: 'x:1' }).success).toBe(false)
  })
})

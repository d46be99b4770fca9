import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CLIENT_CODE_PATTERN, createClientCodePair, generateClientCode, hashClientCode, timingSafeEqual } from './client-code.js'
import { HASH_LENGTH, HASH_METHODS, type HashMethod } from './hash-methods.js'

/** The RFC 7636 Appendix B example: code_verifier and its S256 code_challenge. */
const RFC7636_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const RFC7636_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

const nodeDigest = (method: HashMethod, code: string) => createHash(method).update(Buffer.from(code, 'ascii')).digest('base64url')

describe('hashClientCode', () => {
  it('matches the RFC 7636 Appendix B vector for sha256 (S256)', async () => {
    expect(await hashClientCode(RFC7636_VERIFIER, 'sha256')).toBe(RFC7636_CHALLENGE)
  })

  it('uses sha256 when no method is given', async () => {
    expect(await hashClientCode(RFC7636_VERIFIER)).toBe(RFC7636_CHALLENGE)
  })

  it.each(HASH_METHODS)('%s agrees with node:crypto, base64url without padding, of the advertised length', async (method) => {
    for (const code of [RFC7636_VERIFIER, generateClientCode(), generateClientCode(96), '~'.repeat(43), 'a.b_c-d~'.repeat(16)]) {
      const hash = await hashClientCode(code, method)
      expect(hash).toBe(nodeDigest(method, code))
      expect(hash).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(hash).toHaveLength(HASH_LENGTH[method])
    }
  })

  it.each(['plain', 'SHA256', 'sha-256', 'S256', 'md5', 'sha1', '', null, 256])('refuses the hash method %j', async (method) => {
    await expect(hashClientCode(RFC7636_VERIFIER, method as HashMethod)).rejects.toThrow(
      /hashClientCode: unsupported hash method/,
    )
  })

  it.each([
    ['42 characters (too short)', 'a'.repeat(42)],
    ['129 characters (too long)', 'a'.repeat(129)],
    ['a character outside the unreserved set (+)', `${'a'.repeat(42)}+`],
    ['padding (=)', `${'a'.repeat(42)}=`],
    ['a space', `${'a'.repeat(42)} `],
    ['a non-ASCII letter', `${'a'.repeat(42)}é`],
    ['the empty string', ''],
  ])('refuses a Client Code with %s', async (_why, code) => {
    await expect(hashClientCode(code, 'sha256')).rejects.toThrow(/a Client Code is 43-128 characters/)
  })

  it('refuses a value that is not a string', async () => {
    await expect(hashClientCode(12345 as unknown as string, 'sha256')).rejects.toBeInstanceOf(TypeError)
  })

  it('accepts the boundary lengths 43 and 128', async () => {
    await expect(hashClientCode('a'.repeat(43), 'sha256')).resolves.toBe(nodeDigest('sha256', 'a'.repeat(43)))
    await expect(hashClientCode('a'.repeat(128), 'sha512')).resolves.toBe(nodeDigest('sha512', 'a'.repeat(128)))
  })
})

describe('generateClientCode', () => {
  it('makes 32 random bytes by default: 43 base64url characters, a valid RFC 7636 verifier', () => {
    const code = generateClientCode()
    expect(code).toHaveLength(43)
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(CLIENT_CODE_PATTERN.test(code)).toBe(true)
    expect(Buffer.from(code, 'base64url')).toHaveLength(32)
  })

  it.each([
    [32, 43],
    [33, 44],
    [48, 64],
    [96, 128],
  ])('makes %i bytes into %i characters', (bytes, length) => {
    const code = generateClientCode(bytes)
    expect(code).toHaveLength(length)
    expect(CLIENT_CODE_PATTERN.test(code)).toBe(true)
  })

  it.each([0, 16, 31, 97, 1.5, Number.NaN, '32'])('refuses byteLength %j (fewer than 32 or more than 96 bytes)', (bytes) => {
    expect(() => generateClientCode(bytes as number)).toThrow(RangeError)
  })

  it('never repeats itself and uses the whole alphabet', () => {
    const codes = new Set(Array.from({ length: 2000 }, () => generateClientCode()))
    expect(codes.size).toBe(2000)
    const seen = new Set([...codes].join(''))
    // 64 symbols; 86,000 characters drawn make missing any one of them astronomically unlikely.
    expect(seen.size).toBe(64)
  })
})

describe('createClientCodePair', () => {
  it.each(HASH_METHODS)('pairs a fresh Client Code with its %s hash', async (method) => {
    const pair = await createClientCodePair(method)
    expect(pair.hashMethod).toBe(method)
    expect(pair.clientCode).toMatch(CLIENT_CODE_PATTERN)
    expect(pair.clientCodeHash).toBe(nodeDigest(method, pair.clientCode))
  })

  it('defaults to sha256', async () => {
    const pair = await createClientCodePair()
    expect(pair.hashMethod).toBe('sha256')
    expect(pair.clientCodeHash).toBe(nodeDigest('sha256', pair.clientCode))
  })

  it('refuses plain', async () => {
    await expect(createClientCodePair('plain' as HashMethod)).rejects.toThrow(/unsupported hash method/)
  })
})

describe('timingSafeEqual', () => {
  it('is true only for identical strings', () => {
    expect(timingSafeEqual(RFC7636_CHALLENGE, RFC7636_CHALLENGE)).toBe(true)
    expect(timingSafeEqual('', '')).toBe(true)
    expect(timingSafeEqual(RFC7636_CHALLENGE, `${RFC7636_CHALLENGE.slice(0, -1)}N`)).toBe(false)
    expect(timingSafeEqual(RFC7636_CHALLENGE, `x${RFC7636_CHALLENGE.slice(1)}`)).toBe(false)
  })

  it('is false when one is a prefix of the other, or lengths differ', () => {
    expect(timingSafeEqual('abc', 'abcd')).toBe(false)
    expect(timingSafeEqual('abcd', 'abc')).toBe(false)
    expect(timingSafeEqual('', 'a')).toBe(false)
  })

  it('is false when a shorter string is padded with NUL to look equal', () => {
    expect(timingSafeEqual('abc', 'abc\u0000')).toBe(false)
  })

  it('is false for anything that is not a string', () => {
    expect(timingSafeEqual(undefined as unknown as string, undefined as unknown as string)).toBe(false)
    expect(timingSafeEqual(null as unknown as string, 'null')).toBe(false)
    expect(timingSafeEqual(1 as unknown as string, '1')).toBe(false)
  })

  it('compares code units exactly (no case folding or normalisation)', () => {
    expect(timingSafeEqual('ABC', 'abc')).toBe(false)
    expect(timingSafeEqual('\u00e9', 'e\u0301')).toBe(false)
  })
})

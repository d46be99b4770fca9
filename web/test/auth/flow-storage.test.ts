import { beforeEach, describe, expect, it } from 'vitest'
import { forgetExpiredFlows, rememberFlow, takeFlow } from '../../src/auth/flow-storage'
import { mask } from '../../src/auth/mask'

beforeEach(() => sessionStorage.clear())

describe('flow storage', () => {
  it('keeps each flow under its own namespaced key, so flows run side by side', () => {
    rememberFlow('one', { clientCode: 'code-one', provider: 'dev', expiresAt: Date.now() + 60_000 })
    rememberFlow('two', { clientCode: 'code-two', provider: 'acme', expiresAt: Date.now() + 60_000 })
    expect(Object.keys(sessionStorage).sort()).toEqual(['boarding-pass:flow:one', 'boarding-pass:flow:two'])
    expect(takeFlow('two')?.clientCode).toBe('code-two')
    expect(takeFlow('one')?.provider).toBe('dev')
  })

  it('gives a Client Code once', () => {
    rememberFlow('once', { clientCode: 'code', provider: 'dev', expiresAt: Date.now() + 60_000 })
    expect(takeFlow('once')).toBeDefined()
    expect(takeFlow('once')).toBeUndefined()
  })

  it('refuses and drops expired flows', () => {
    rememberFlow('old', { clientCode: 'code', provider: 'dev', expiresAt: Date.now() - 1 })
    rememberFlow('stale', { clientCode: 'code', provider: 'dev', expiresAt: Date.now() - 1 })
    rememberFlow('live', { clientCode: 'code', provider: 'dev', expiresAt: Date.now() + 60_000 })
    sessionStorage.setItem('unrelated', 'kept')
    expect(takeFlow('old')).toBeUndefined()
    forgetExpiredFlows()
    expect(Object.keys(sessionStorage).sort()).toEqual(['boarding-pass:flow:live', 'unrelated'])
  })

  it('treats a damaged record as absent', () => {
    sessionStorage.setItem('boarding-pass:flow:bad', '{not json')
    expect(takeFlow('bad')).toBeUndefined()
  })
})

describe('mask', () => {
  it('shows the first four characters of a secret and a mark', () => {
    expect(mask('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('dBjf•••')
  })
  it('shows less of a short value, and a dash for none', () => {
    expect(mask('abcdefgh')).toBe('ab•••')
    expect(mask(undefined)).toBe('—')
  })
})

import { describe, expect, it } from 'vitest'
import { CALLBACK_ERRORS, REASONS, isCallbackError, isReason } from './reasons.js'

/** The Errors table of PROTOCOL.md (contract v1), reason → tRPC code. */
const CONTRACT_REASONS = {
  invalid_request: 'BAD_REQUEST',
  unknown_provider: 'BAD_REQUEST',
  unsupported_hash_method: 'BAD_REQUEST',
  redirect_uri_not_allowed: 'BAD_REQUEST',
  invalid_grant: 'UNAUTHORIZED',
  invalid_token: 'UNAUTHORIZED',
  rate_limited: 'TOO_MANY_REQUESTS',
  store_unavailable: 'SERVICE_UNAVAILABLE',
} as const

describe('REASONS', () => {
  it.each(Object.entries(CONTRACT_REASONS))('sends %s with the tRPC code %s, as the contract table says', (reason, code) => {
    expect(isReason(reason)).toBe(true)
    expect(REASONS[reason as keyof typeof REASONS]).toBe(code)
  })

  it('does not take anything else for a reason', () => {
    for (const value of ['INVALID_GRANT', 'invalid-grant', '', 'toString', '__proto__', 'constructor', undefined, 1]) {
      expect(isReason(value)).toBe(false)
    }
  })
})

describe('CALLBACK_ERRORS', () => {
  it('are exactly access_denied, provider_error and invalid_request', () => {
    expect([...CALLBACK_ERRORS].sort()).toEqual(['access_denied', 'invalid_request', 'provider_error'])
    expect(isCallbackError('access_denied')).toBe(true)
    expect(isCallbackError('server_error')).toBe(false)
    expect(isCallbackError(undefined)).toBe(false)
  })
})

import { BoardingPassError, type BoardingPassReason } from '@boarding-pass/client'
import { CALLBACK_ERRORS, reasons } from '@boarding-pass/shared'
import { describe, expect, it } from 'vitest'
import {
  CLIENT_PROBLEMS,
  failureForCallback,
  failureForCallbackValue,
  failureForProblem,
  failureForReason,
  reasonOf,
  toFailure,
  type AuthFailure,
} from '../../src/auth/failures'

function expectShowable(failure: AuthFailure) {
  expect(failure.title.length).toBeGreaterThan(5)
  expect(failure.message.length).toBeGreaterThan(20)
  expect(failure.message).toMatch(/\.$/)
  expect(['start-again', 'reload-providers']).toContain(failure.retry)
}

/** An error as @boarding-pass/client raises it for a refusal by the service with `reason`. */
function refusal(reason: string) {
  return new BoardingPassError(reason as BoardingPassReason, 'refused', { source: 'server', status: 400 })
}

describe('failures: every refusal has words and a retry', () => {
  it.each(reasons)('API reason %s', (reason) => {
    const failure = failureForReason(reason)
    expect(failure.code).toBe(reason)
    expect(failure.cause).toEqual({ source: 'api', reason })
    expectShowable(failure)
  })

  it.each(CALLBACK_ERRORS)('callback error=%s', (error) => {
    const failure = failureForCallback(error)
    expect(failure.code).toBe(`callback:${error}`)
    expectShowable(failure)
  })

  it.each(CLIENT_PROBLEMS)('client problem %s', (problem) => {
    expectShowable(failureForProblem(problem))
  })

  it('keeps the callback and API meanings of invalid_request apart', () => {
    expect(failureForCallback('invalid_request').message).not.toBe(failureForReason('invalid_request').message)
  })

  it('sends an unknown provider back to the list, and everything else to a new start', () => {
    expect(failureForReason('unknown_provider').retry).toBe('reload-providers')
    expect(failureForReason('invalid_grant').retry).toBe('start-again')
    expect(failureForCallback('access_denied').retry).toBe('start-again')
  })
})

describe('failures: reading what a call threw', () => {
  it('takes the reason of a refusal by the service', () => {
    expect(reasonOf(refusal('rate_limited'))).toBe('rate_limited')
    expect(toFailure(refusal('store_unavailable')).code).toBe('store_unavailable')
  })

  it('calls a reason outside the contract unexpected, not a crash', () => {
    expect(reasonOf(refusal('made_up'))).toBeUndefined()
    expect(toFailure(refusal('made_up')).code).toBe('client:unexpected')
  })

  it('calls a request that got no answer a network problem', () => {
    expect(toFailure(new BoardingPassError('network', 'No answer', { source: 'client' })).code).toBe('client:network')
    expect(toFailure(new TypeError('Failed to fetch')).code).toBe('client:unexpected')
  })

  it('maps a callback error= outside the contract to unexpected', () => {
    expect(failureForCallbackValue('server_error').code).toBe('client:unexpected')
    expect(failureForCallbackValue('access_denied').code).toBe('callback:access_denied')
    expect(toFailure(new BoardingPassError('access_denied', 'declined', { source: 'callback' })).code).toBe(
      'callback:access_denied',
    )
  })
})

import { expect } from 'vitest'
import type { WireResponse } from './trpc-http.js'

/** The Errors table of PROTOCOL.md (contract v1): every refusal's reason and its tRPC code. */
export const CONTRACT_REASONS = {
  invalid_request: 'BAD_REQUEST',
  unknown_provider: 'BAD_REQUEST',
  unsupported_hash_method: 'BAD_REQUEST',
  redirect_uri_not_allowed: 'BAD_REQUEST',
  invalid_grant: 'UNAUTHORIZED',
  invalid_token: 'UNAUTHORIZED',
  rate_limited: 'TOO_MANY_REQUESTS',
  store_unavailable: 'SERVICE_UNAVAILABLE',
} as const

export type ContractReason = keyof typeof CONTRACT_REASONS

/** tRPC v11's HTTP status and JSON-RPC code for each tRPC code the contract uses. */
const WIRE = {
  BAD_REQUEST: { status: 400, jsonRpc: -32600 },
  UNAUTHORIZED: { status: 401, jsonRpc: -32001 },
  TOO_MANY_REQUESTS: { status: 429, jsonRpc: -32029 },
  SERVICE_UNAVAILABLE: { status: 503, jsonRpc: -32603 },
} as const

/** The tRPC error envelope of a refusal. */
export interface RefusalError {
  message: string
  code: number
  data: { code: string; httpStatus: number; reason?: string; path?: string }
}

/**
 * Asserts `response` is the contract's refusal with `reason`: the HTTP status
 * and tRPC code the contract pairs with it, tRPC's `{ error }` envelope (no
 * `result`), a message, and nothing internal (no stack, no file paths).
 */
export function expectRefusal(response: WireResponse, reason: ContractReason): RefusalError {
  const code = CONTRACT_REASONS[reason]
  const error = response.body.error as RefusalError | undefined
  expect(error, `expected a refusal (${reason}), got ${JSON.stringify(response.body)}`).toBeDefined()
  expect(error!.data.reason).toBe(reason)
  expect(error!.data.code).toBe(code)
  expect(response.status).toBe(WIRE[code].status)
  expect(error!.data.httpStatus).toBe(WIRE[code].status)
  expect(error!.code).toBe(WIRE[code].jsonRpc)
  expect(typeof error!.message).toBe('string')
  expect(error!.message.length).toBeGreaterThan(0)
  expect(response.body.result).toBeUndefined()
  expectNothingInternal(response.body)
  return error!
}

/** No `stack` key anywhere, and no text that looks like a stack frame or a source path. */
export function expectNothingInternal(body: unknown): void {
  expect(keysNamed(body, 'stack'), 'a stack in the error body').toEqual([])
  const text = JSON.stringify(body)
  expect(text).not.toMatch(/\bat [^"]*:\d+:\d+/)
  expect(text).not.toMatch(/node_modules|\/src\/|\.ts\b|file:\/\//)
}

/** Every path in `value` to a key named `name`. */
export function keysNamed(value: unknown, name: string, path = '$'): string[] {
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, child]) => [
    ...(key === name ? [`${path}.${key}`] : []),
    ...keysNamed(child, name, `${path}.${key}`),
  ])
}

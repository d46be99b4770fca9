/**
 * Stable refusal reasons of the wire contract (`error.data.reason`).
 *
 * Clients `switch` on these; they never change meaning. Each maps to exactly one
 * tRPC error code, and so to one HTTP status.
 *
 * @example
 * ```ts
 * if (isReason(err.data?.reason) && err.data.reason === 'invalid_grant') restart()
 * ```
 */
export const REASONS = {
  invalid_request: 'BAD_REQUEST',
  unknown_provider: 'BAD_REQUEST',
  unsupported_hash_method: 'BAD_REQUEST',
  redirect_uri_not_allowed: 'BAD_REQUEST',
  invalid_grant: 'UNAUTHORIZED',
  invalid_token: 'UNAUTHORIZED',
  rate_limited: 'TOO_MANY_REQUESTS',
  store_unavailable: 'SERVICE_UNAVAILABLE',
} as const

/** One of the contract's refusal reasons. */
export type Reason = keyof typeof REASONS

/** The tRPC error code a reason is sent with. */
export type ReasonCode = (typeof REASONS)[Reason]

/** Every reason, in contract order. */
export const reasons = Object.keys(REASONS) as Reason[]

/** True when `value` is one of the contract's refusal reasons. */
export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && Object.hasOwn(REASONS, value)
}

/**
 * What `GET /auth/callback` puts in `error=` when it sends the browser back to the
 * app: the user said no, the provider failed, or the provider's answer was malformed.
 */
export const CALLBACK_ERRORS = ['access_denied', 'provider_error', 'invalid_request'] as const

/** One of the callback's `error=` values. */
export type CallbackError = (typeof CALLBACK_ERRORS)[number]

/** True when `value` is one of the callback's `error=` values. */
export function isCallbackError(value: unknown): value is CallbackError {
  return typeof value === 'string' && (CALLBACK_ERRORS as readonly string[]).includes(value)
}

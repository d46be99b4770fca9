import { TRPCError } from '@trpc/server'
import { REASONS, type Reason } from '@boarding-pass/shared'

/**
 * A refusal with one of the contract's reasons. Domain code throws this; the one
 * place that talks tRPC ({@link toTRPCError}) turns it into the wire error.
 * Messages are written for the client: they never say which half of a pair was
 * wrong, and never carry a secret.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  constructor(
    readonly reason: Reason,
    message: string = DEFAULT_MESSAGES[reason],
    options?: { cause?: unknown; retryAfter?: number },
  ) {
    super(message, options)
    this.retryAfter = options?.retryAfter
  }
  readonly retryAfter: number | undefined
}

export const DEFAULT_MESSAGES: Record<Reason, string> = {
  invalid_request: 'The request is malformed.',
  unknown_provider: 'No such provider is configured.',
  unsupported_hash_method: 'Use sha256, sha384 or sha512 for hashMethod.',
  redirect_uri_not_allowed: 'This redirectUri is not in the allow-list.',
  invalid_grant: 'The code or token is not valid.',
  invalid_token: 'The access token is missing, malformed, expired or revoked.',
  rate_limited: 'Too many attempts; try again later.',
  store_unavailable: 'The service cannot reach its state store; try again shortly.',
}

/** The tRPC error for a refusal, with the reason kept as its cause for the error formatter. */
export function toTRPCError(error: AuthError): TRPCError {
  return new TRPCError({ code: REASONS[error.reason], message: error.message, cause: error })
}

/** Seconds to wait before retrying, for the `Retry-After` header, when a failure says (rate limits). */
export function retryAfterOf(errors: readonly (TRPCError | undefined)[]): number | undefined {
  for (const error of errors) {
    if (error?.cause instanceof AuthError && error.cause.retryAfter) return error.cause.retryAfter
  }
  return undefined
}

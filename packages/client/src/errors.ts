import { isCallbackError, isReason, type Reason } from '@boarding-pass/shared'

/**
 * Problems the client finds itself, with no server refusal behind them:
 * - `network`: no answer (offline, DNS, CORS, the service down);
 * - `unexpected`: an answer this client cannot read;
 * - `flow_not_found`: back at the callback with a flow this tab never started (or that expired);
 * - `interrupted`: the page was reloaded while `auth.complete` was in flight (its codes are spent);
 * - `session_ended`: the login was ended (signed out elsewhere, revoked, reuse detected);
 * - `not_signed_in`: a call that needs a login was made without one;
 * - `cross_device_denied`, `cross_device_expired`: the phone declined, or nobody approved in time;
 * - `cancelled`: the app gave the cross-device sign-in up.
 *
 * @example
 * ```ts
 * if (isBoardingPassError(error) && (CLIENT_REASONS as readonly string[]).includes(error.reason)) showLocalProblem(error)
 * ```
 */
export const CLIENT_REASONS = [
  'network',
  'unexpected',
  'flow_not_found',
  'interrupted',
  'session_ended',
  'not_signed_in',
  'cross_device_denied',
  'cross_device_expired',
  'cancelled',
] as const

/** One of {@link CLIENT_REASONS}. */
export type ClientReason = (typeof CLIENT_REASONS)[number]

/**
 * Why something failed: a contract refusal reason (`source: 'server'`), an
 * `error=` the callback brought back (`source: 'callback'`: `access_denied`,
 * `provider_error`, `invalid_request`), or a {@link ClientReason}.
 */
export type BoardingPassReason = Reason | 'access_denied' | 'provider_error' | ClientReason

/** Where a {@link BoardingPassError} came from; `invalid_request` means different things at the API and at the callback. */
export type BoardingPassErrorSource = 'server' | 'callback' | 'client'

/**
 * The one error type the client throws and reports. `reason` is stable (switch
 * on it); `message` is for people. It carries no token, code or stack from the
 * server, and `toJSON` leaves out the local stack too.
 *
 * @example
 * ```ts
 * try {
 *   await client.signIn('github')
 * } catch (error) {
 *   if (error instanceof BoardingPassError && error.reason === 'rate_limited') showSlowDown()
 *   else throw error
 * }
 * ```
 */
export class BoardingPassError extends Error {
  override readonly name = 'BoardingPassError'
  /** The stable reason. */
  readonly reason: BoardingPassReason
  /** Who said no: the service, the callback, or this client. */
  readonly source: BoardingPassErrorSource
  /** The HTTP status of a server refusal. */
  readonly status: number | undefined

  constructor(
    reason: BoardingPassReason,
    message: string,
    options: { source?: BoardingPassErrorSource; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.reason = reason
    this.source = options.source ?? (isReason(reason) ? 'server' : 'client')
    this.status = options.status
  }

  /** What may be logged or sent on: reason, source, status and message, no stack. */
  toJSON(): { name: string; reason: BoardingPassReason; source: BoardingPassErrorSource; status?: number; message: string } {
    return {
      name: this.name,
      reason: this.reason,
      source: this.source,
      ...(this.status === undefined ? {} : { status: this.status }),
      message: this.message,
    }
  }
}

/**
 * True for a {@link BoardingPassError}, even one from another copy of this
 * package (two bundles, say), where `instanceof` would say no.
 *
 * @example
 * ```ts
 * if (isBoardingPassError(error, 'invalid_grant')) startAgain()
 * ```
 */
export function isBoardingPassError(error: unknown, reason?: BoardingPassReason): error is BoardingPassError {
  if (!(error instanceof Error) || error.name !== 'BoardingPassError') return false
  return reason === undefined || (error as BoardingPassError).reason === reason
}

/** The server's refusal, from a tRPC error envelope. */
export function serverError(body: unknown, status: number): BoardingPassError {
  const data = (body as { error?: { data?: { reason?: unknown } } } | undefined)?.error?.data
  const reason = data?.reason
  if (isReason(reason)) return new BoardingPassError(reason, MESSAGES[reason], { source: 'server', status })
  return new BoardingPassError('unexpected', `Boarding Pass answered ${status} without a reason this client knows.`, {
    source: 'server',
    status,
  })
}

/** The callback's `error=` value as an error. */
export function callbackError(value: string): BoardingPassError {
  if (!isCallbackError(value)) return clientError('unexpected')
  const messages = {
    access_denied: 'The sign-in was declined at the provider.',
    provider_error: 'The provider could not sign the user in.',
    invalid_request: 'The provider sent an unusable answer.',
  } as const
  return new BoardingPassError(value, messages[value], { source: 'callback' })
}

/** One of this client's own problems as an error. */
export function clientError(reason: ClientReason, cause?: unknown): BoardingPassError {
  return new BoardingPassError(reason, MESSAGES[reason], { source: 'client', cause })
}

const MESSAGES: Record<Reason | ClientReason, string> = {
  invalid_request: 'Boarding Pass could not read the request.',
  unknown_provider: 'No such provider is configured.',
  unsupported_hash_method: 'That hash method is not allowed.',
  redirect_uri_not_allowed: 'That redirect URI is not in the allow-list (AUTH_REDIRECT_URIS).',
  invalid_grant: 'The code or token is not valid (expired, spent, or not a pair).',
  invalid_token: 'The access token is missing, expired or revoked.',
  rate_limited: 'Too many attempts; wait a moment.',
  store_unavailable: 'Boarding Pass is briefly unavailable.',
  network: 'No answer from Boarding Pass.',
  unexpected: 'Boarding Pass gave an answer this client did not expect.',
  flow_not_found: 'This tab has no record of that sign-in (started elsewhere, or expired).',
  interrupted: 'The page was reloaded before the sign-in finished; start again.',
  session_ended: 'The session has ended; sign in again.',
  not_signed_in: 'Not signed in.',
  cross_device_denied: 'The sign-in was declined on the other device.',
  cross_device_expired: 'Nobody approved the sign-in in time.',
  cancelled: 'The sign-in was given up.',
}

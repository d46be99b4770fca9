import { isBoardingPassError } from '@boarding-pass/client'
import { isCallbackError, isReason, type CallbackError, type Reason } from '@boarding-pass/shared'

/** Problems the app itself detects, with no server reason behind them. */
export const CLIENT_PROBLEMS = [
  'network',
  'flow_not_found',
  'interrupted',
  'session_ended',
  'unexpected',
  'cross_device_denied',
  'cross_device_expired',
] as const

/** One of {@link CLIENT_PROBLEMS}. */
export type ClientProblem = (typeof CLIENT_PROBLEMS)[number]

/** What the "Try again" button does. */
export type RetryAction =
  /** Start a new flow with the same provider (or pick one, if it is not known). */
  | 'start-again'
  /** Fetch the provider list again. */
  | 'reload-providers'

/**
 * Why a step failed: a refusal reason from the API, an `error=` from the
 * callback, or a problem the app found itself. The three sources are kept apart
 * because `invalid_request` means different things at the API and at the callback.
 */
export type FailureCause =
  { source: 'api'; reason: Reason } | { source: 'callback'; error: CallbackError } | { source: 'client'; problem: ClientProblem }

/** A failure ready to show: what happened, in words, and what "Try again" does. */
export interface AuthFailure {
  cause: FailureCause
  /** A stable code for tests and logs: the reason, `callback:<error>` or `client:<problem>`. */
  code: string
  title: string
  message: string
  retry: RetryAction
}

interface Wording {
  title: string
  message: string
  retry?: RetryAction
}

const API_WORDING: Record<Reason, Wording> = {
  invalid_request: {
    title: 'The sign-in request was refused',
    message: 'The service could not read what this page sent. Start again; if it keeps happening, reload the page.',
  },
  unknown_provider: {
    title: 'That sign-in option is not available',
    message: 'The provider you chose is no longer configured. Pick one from the list again.',
    retry: 'reload-providers',
  },
  unsupported_hash_method: {
    title: 'This browser sent an unsupported request',
    message: 'The service only accepts a SHA-2 hash of the Client Code. Start again.',
  },
  redirect_uri_not_allowed: {
    title: 'This address may not receive sign-ins',
    message: 'The service does not allow sign-ins to return to this page. Ask an administrator to add it to AUTH_REDIRECT_URIS.',
  },
  invalid_grant: {
    title: 'This sign-in cannot be finished',
    message: 'The code from the provider has expired or was already used. Start again to get a new one.',
  },
  invalid_token: {
    title: 'Your session has ended',
    message: 'Your access was revoked or expired. Sign in again to continue.',
  },
  rate_limited: {
    title: 'Too many attempts',
    message: 'The service is slowing down sign-ins from here. Wait a moment, then try again.',
  },
  store_unavailable: {
    title: 'The service is briefly unavailable',
    message: 'Boarding Pass, or the identity provider it relies on, is not answering right now. Try again in a few seconds.',
  },
}

const CALLBACK_WORDING: Record<CallbackError, Wording> = {
  access_denied: {
    title: 'Sign-in was declined',
    message:
      'You (or the provider) declined the sign-in, so nothing was shared with this app. You can try again whenever you like.',
  },
  provider_error: {
    title: 'The provider could not sign you in',
    message: 'Something went wrong at the identity provider. Try again; if it keeps failing, choose another provider.',
  },
  invalid_request: {
    title: 'The provider sent an unusable answer',
    message: 'The answer from the identity provider was incomplete or malformed. Start again.',
  },
}

const CLIENT_WORDING: Record<ClientProblem, Wording> = {
  network: {
    title: 'No connection to Boarding Pass',
    message: 'The request did not reach the service. Check your connection and try again.',
  },
  flow_not_found: {
    title: 'This sign-in was not started here',
    message: 'This tab has no record of that sign-in: it was started in another tab or browser, or it expired. Start again here.',
  },
  interrupted: {
    title: 'The sign-in was interrupted',
    message: 'The page was reloaded before the sign-in finished, and its one-time code cannot be used twice. Start again.',
  },
  session_ended: {
    title: 'Your session has ended',
    message: 'You were signed out, or your session expired. Sign in again to continue.',
  },
  unexpected: {
    title: 'Something went wrong',
    message: 'The service gave an answer this page did not expect. Try again.',
  },
  cross_device_denied: {
    title: 'Declined on your phone',
    message:
      'The sign-in was declined on the other device, so nothing was shared with this one. Start again if that was a mistake.',
  },
  cross_device_expired: {
    title: 'The code expired',
    message: 'Nobody finished signing in with that code in time. Start again to get a new code.',
  },
}

function build(cause: FailureCause, code: string, wording: Wording): AuthFailure {
  return { cause, code, title: wording.title, message: wording.message, retry: wording.retry ?? 'start-again' }
}

/** The failure for an API refusal reason. */
export function failureForReason(reason: Reason): AuthFailure {
  return build({ source: 'api', reason }, reason, API_WORDING[reason])
}

/** The failure for the callback's `error=` value. */
export function failureForCallback(error: CallbackError): AuthFailure {
  return build({ source: 'callback', error }, `callback:${error}`, CALLBACK_WORDING[error])
}

/** The failure for a problem the app detected. */
export function failureForProblem(problem: ClientProblem): AuthFailure {
  return build({ source: 'client', problem }, `client:${problem}`, CLIENT_WORDING[problem])
}

/** The contract reason of a refusal by the service, when it carries one. */
export function reasonOf(error: unknown): Reason | undefined {
  return isBoardingPassError(error) && error.source === 'server' && isReason(error.reason) ? error.reason : undefined
}

/**
 * Turns anything the client threw into a failure to show: the contract's reason
 * when the server sent one, the callback's `error=`, the client's own problem,
 * and "unexpected" otherwise.
 */
export function toFailure(error: unknown): AuthFailure {
  if (!isBoardingPassError(error)) return failureForProblem('unexpected')
  const reason = error.reason
  if (error.source === 'server') return isReason(reason) ? failureForReason(reason) : failureForProblem('unexpected')
  if (error.source === 'callback') return failureForCallbackValue(reason)
  return (CLIENT_PROBLEMS as readonly string[]).includes(reason)
    ? failureForProblem(reason as ClientProblem)
    : failureForProblem('unexpected')
}

/** The failure for a callback `error=` value, or "unexpected" when it is not one of the contract's. */
export function failureForCallbackValue(value: string): AuthFailure {
  return isCallbackError(value) ? failureForCallback(value) : failureForProblem('unexpected')
}

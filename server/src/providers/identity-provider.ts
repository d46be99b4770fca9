import type { CallbackError, User } from '@boarding-pass/shared'

/** The checks a callback must pass: what step 1 sent the provider. */
export interface ProviderChecks {
  state: string
  nonce: string
  pkceVerifier: string
}

/** A third-party identity provider, as the flow sees it. */
export interface IdentityProvider {
  readonly id: string
  readonly name: string
  /** Where to send the browser for step 2 (with state, nonce and an S256 PKCE challenge). */
  authorizationUrl(params: { state: string; nonce: string; pkceChallenge: string }): Promise<URL>
  /**
   * Finishes the provider leg from the URL the provider sent the browser back to:
   * checks state, `iss` (RFC 9207) and nonce, redeems the code with the PKCE
   * verifier, and reads the user. Throws {@link ProviderLoginError} on failure.
   */
  finish(callbackUrl: URL, checks: ProviderChecks): Promise<User>
}

/** Why the provider leg failed, as the callback reports it in `error=`. */
export class ProviderLoginError extends Error {
  override readonly name = 'ProviderLoginError'
  constructor(
    readonly reason: CallbackError,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

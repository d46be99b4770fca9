import * as client from 'openid-client'
import { ProviderLoginError } from './identity-provider.js'

/**
 * Sorts an openid-client failure into the callback's reasons: the user said no
 * (`access_denied`), the response was not one we can accept (`invalid_request`:
 * wrong state or issuer, missing code, a failed ID token check), or the provider
 * failed (`provider_error`).
 */
export function toProviderLoginError(error: unknown): ProviderLoginError {
  if (error instanceof ProviderLoginError) return error
  if (error instanceof client.AuthorizationResponseError) {
    return error.error === 'access_denied'
      ? new ProviderLoginError('access_denied', 'the user declined at the provider', { cause: error })
      : new ProviderLoginError('provider_error', `the provider answered ${error.error}`, { cause: error })
  }
  if (error instanceof client.ResponseBodyError) {
    return new ProviderLoginError('provider_error', `the provider refused the code: ${error.error}`, { cause: error })
  }
  if (error instanceof client.ClientError) {
    const response = ['OAUTH_INVALID_RESPONSE', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_RESPONSE_IS_NOT_CONFORM']
    const code = (error as { code?: string }).code ?? ''
    return response.includes(code) || code.startsWith('OAUTH_JWT') || code.startsWith('OAUTH_INVALID')
      ? new ProviderLoginError('invalid_request', `the provider's answer failed a check (${code})`, { cause: error })
      : new ProviderLoginError('provider_error', `the provider could not be used (${code})`, { cause: error })
  }
  return new ProviderLoginError('provider_error', 'the provider could not be reached', { cause: error })
}

/**
 * `@boarding-pass/verify`: what a resource server needs to accept Boarding
 * Pass access tokens, for any framework. Its one dependency is `jose`. The tRPC
 * middleware is in `@boarding-pass/verify/trpc`.
 *
 * @example
 * ```ts
 * import { createAuthenticator, verifyAccessToken } from '@boarding-pass/verify'
 * ```
 */
export {
  ACCESS_TOKEN_ALGORITHMS,
  DEFAULT_MAX_TOKEN_LIFETIME,
  verifyAccessToken,
  type AccessTokenAlgorithm,
  type VerifyAccessTokenOptions,
} from './verify-access-token.js'
export { isAccessTokenType } from './access-token-type.js'
export { introspectAccessToken, type IntrospectAccessTokenOptions } from './introspect-access-token.js'
export { createAuthenticator, type Authenticate, type AuthenticateOptions, type AuthenticatedUser } from './authenticate.js'
export type { AuthenticateInput, AuthenticateRequest, HeadersLike } from './read-authorization.js'
export { createMemoryReplayStore, type DpopReplayStore } from './dpop.js'
export {
  AccessTokenError,
  BoardingPassError,
  IssuerUnavailableError,
  isAccessTokenError,
  isBoardingPassError,
  type AccessTokenErrorCode,
  type BoardingPassErrorCode,
} from './errors.js'
export type { AccessTokenClaims, IntrospectOutput, User, VerifyReason } from './claims.js'

/**
 * `@boarding-pass/server/verify`: what a resource server needs to accept
 * Boarding Pass access tokens. It pulls in none of the server: jose, the tRPC
 * server and client, and the shared contract only.
 *
 * @example
 * ```ts
 * import { requireAccessToken, verifyAccessToken } from '@boarding-pass/server/verify'
 * ```
 */
export {
  ACCESS_TOKEN_ALGORITHMS,
  verifyAccessToken,
  type AccessTokenAlgorithm,
  type VerifyAccessTokenOptions,
} from './verify-access-token.js'
export { introspectAccessToken, type IntrospectAccessTokenOptions } from './introspect-access-token.js'
export { createAuthenticator, type Authenticate, type AuthenticateOptions, type AuthenticatedUser } from './authenticate.js'
export { requireAccessToken, type BearerContext, type HeadersLike, type RequireAccessTokenOptions } from './trpc-middleware.js'
export {
  AccessTokenError,
  BoardingPassError,
  IssuerUnavailableError,
  isAccessTokenError,
  isBoardingPassError,
  type AccessTokenErrorCode,
  type BoardingPassErrorCode,
} from './errors.js'
export type { AccessTokenClaims, IntrospectOutput } from '@boarding-pass/shared'

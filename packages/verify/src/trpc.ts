import { TRPCError, initTRPC } from '@trpc/server'
import { createAuthenticator, type AuthenticateOptions, type AuthenticatedUser } from './authenticate.js'
import { isBoardingPassError } from './errors.js'
import type { AuthenticateRequest, HeadersLike } from './read-authorization.js'

export type { AuthenticateRequest, HeadersLike }

/**
 * What a protected procedure needs from your context: the request itself as
 * `req` (needed for DPoP-bound tokens: their proof names the request's method
 * and URL), or just the `Authorization` header, as `authorization` (a string)
 * or among `headers`. All are optional, so add whichever your `createContext` has:
 *
 * - standalone / node-http adapter: `({ req }) => ({ req })`
 * - fetch adapter (Next.js, Hono, …): `({ req }) => ({ req })`
 * - anything else: `{ authorization: <the header's value> }` (Bearer tokens only)
 *
 * @example
 * ```ts
 * const t = initTRPC.context<BearerContext>().create()
 * ```
 */
export interface BearerContext {
  req?: AuthenticateRequest
  authorization?: string | null
  headers?: HeadersLike
}

/**
 * The types below are spelt with `initTRPC` alone, never with tRPC's internal
 * type names (`TRPCProcedureBuilder` has one more type parameter since 11.x,
 * and does not exist under that name in 11.0.0): so this file's declarations
 * are computed from the `@trpc/server` the app installs, whichever 11.x it is.
 */
type TRPCRoot = ReturnType<ReturnType<typeof initTRPC.context<BearerContext>>['create']>

/**
 * What {@link requireAccessToken} returns: a procedure builder on {@link BearerContext}
 * that adds `ctx.user`, for `.concat()` onto your own base procedure.
 *
 * @example
 * ```ts
 * const signedIn: AccessTokenProcedure = requireAccessToken({ issuer, audience: issuer })
 * const protectedProcedure = t.procedure.concat(signedIn)
 * ```
 */
export type AccessTokenProcedure = ReturnType<typeof _root.procedure.use<{ user: AuthenticatedUser }>>
/** Only a name to take types from (no value exists). */
declare const _root: TRPCRoot

/**
 * Options of {@link requireAccessToken}: issuer, audience, revocation checks, … (those of `createAuthenticator`).
 *
 * @example
 * ```ts
 * const options: RequireAccessTokenOptions = { issuer, audience: issuer, checkRevocation: true }
 * ```
 */
export type RequireAccessTokenOptions = AuthenticateOptions

/**
 * A tRPC v11 procedure for your own server that lets only callers with a valid
 * Boarding Pass access token through, and puts them on `ctx.user`
 * (`{ id, provider, loginId, claims }`). Join it to your base procedure with
 * `.concat()`; your context must carry the `Authorization` header (see
 * {@link BearerContext}).
 *
 * Refusals are `TRPCError`s: `UNAUTHORIZED` when the token is missing or not
 * acceptable, `SERVICE_UNAVAILABLE` when Boarding Pass cannot be asked; `cause`
 * is the SDK error, whose `reason` (`invalid_token`, `store_unavailable`) is the
 * wire contract's, and whose `code` says why. Put the reason on the wire from
 * your `errorFormatter` as in the example.
 *
 * With `checkRevocation: true`, a token whose login has ended (logout,
 * refresh-token reuse) is refused within `revocationCacheTtl` (1 s by default)
 * instead of when it expires.
 *
 * @example
 * ```ts
 * import { initTRPC } from '@trpc/server'
 * import { isBoardingPassError } from '@boarding-pass/verify'
 * import { requireAccessToken } from '@boarding-pass/verify/trpc'
 *
 * const t = initTRPC.context<{ headers: Headers }>().create({
 *   // Only the contract's reason is added; `stack` is dropped even in development.
 *   errorFormatter: ({ shape, error }) => ({
 *     ...shape,
 *     data: {
 *       code: shape.data.code,
 *       httpStatus: shape.data.httpStatus,
 *       path: shape.data.path,
 *       reason: isBoardingPassError(error.cause) ? error.cause.reason : undefined,
 *     },
 *   }),
 * })
 * const protectedProcedure = t.procedure.concat(
 *   requireAccessToken({ issuer: 'https://login.example.com', audience: 'https://login.example.com', checkRevocation: true }),
 * )
 * export const router = t.router({
 *   whoami: protectedProcedure.query(({ ctx }) => ctx.user.id),
 * })
 * ```
 */
export function requireAccessToken(options: RequireAccessTokenOptions): AccessTokenProcedure {
  const authenticate = createAuthenticator(options)
  const t: TRPCRoot = initTRPC.context<BearerContext>().create()
  return t.procedure.use<{ user: AuthenticatedUser }>(async ({ ctx, next }) => {
    let user
    try {
      user = await authenticate(ctx.req ?? (typeof ctx.authorization === 'string' ? ctx.authorization : (ctx.headers ?? null)))
    } catch (error) {
      if (!isBoardingPassError(error)) throw error
      throw new TRPCError({
        code: error.reason === 'invalid_token' ? 'UNAUTHORIZED' : 'SERVICE_UNAVAILABLE',
        message: error.message,
        cause: error,
      })
    }
    return next({ ctx: { user } })
  })
}

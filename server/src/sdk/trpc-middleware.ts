import { TRPCError, initTRPC } from '@trpc/server'
import { createAuthenticator, type AuthenticateOptions } from './authenticate.js'
import { isBoardingPassError } from './errors.js'

/** Request headers as the common adapters hand them over: Fetch `Headers`, or Node's `IncomingHttpHeaders`. */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>

/**
 * What a protected procedure needs from your context: the `Authorization`
 * header, either as `authorization` (a string) or among `headers`. Both are
 * optional, so add whichever your `createContext` has:
 *
 * - standalone / node-http adapter: `({ req }) => ({ headers: req.headers })`
 * - fetch adapter (Next.js, Hono, …): `({ req }) => ({ headers: req.headers })`
 * - anything else: `{ authorization: <the header's value> }`
 */
export interface BearerContext {
  authorization?: string | null
  headers?: HeadersLike
}

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
 * import { isBoardingPassError, requireAccessToken } from '@boarding-pass/server/verify'
 *
 * const t = initTRPC.context<{ headers: Headers }>().create({
 *   errorFormatter: ({ shape, error }) => ({
 *     ...shape,
 *     data: { ...shape.data, reason: isBoardingPassError(error.cause) ? error.cause.reason : undefined },
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
export function requireAccessToken(options: RequireAccessTokenOptions) {
  const authenticate = createAuthenticator(options)
  const t = initTRPC.context<BearerContext>().create()
  return t.procedure.use(async ({ ctx, next }) => {
    let user
    try {
      user = await authenticate(readAuthorization(ctx))
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

/** The `Authorization` value from the context; several values (a repeated header) are not one token. */
function readAuthorization(ctx: BearerContext): string | null | undefined {
  if (typeof ctx.authorization === 'string') return ctx.authorization
  const headers = ctx.headers
  if (!headers) return undefined
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get('authorization')
  const value = (headers as Record<string, string | string[] | undefined>).authorization
  if (Array.isArray(value)) return value.length === 1 ? value[0] : 'multiple'
  return value
}

import { TRPCError, getTRPCErrorFromUnknown, initTRPC } from '@trpc/server'
import type { Reason } from '@boarding-pass/shared'
import type { z } from 'zod'
import type { Context } from './context.js'
import type { LimitName } from './limits/limits.js'
import { AuthError, toTRPCError } from './errors.js'
import { StoreUnavailableError } from './store/index.js'
import { authenticate, type AuthenticatedLogin } from './session/authenticate.js'

/** The reason a generic tRPC failure is reported with (schema, routing, transport). */
const REASON_FOR_CODE: Partial<Record<TRPCError['code'], Reason>> = {
  BAD_REQUEST: 'invalid_request',
  PARSE_ERROR: 'invalid_request',
  NOT_FOUND: 'invalid_request',
  METHOD_NOT_SUPPORTED: 'invalid_request',
  PAYLOAD_TOO_LARGE: 'invalid_request',
  UNSUPPORTED_MEDIA_TYPE: 'invalid_request',
  UNAUTHORIZED: 'invalid_token',
  TOO_MANY_REQUESTS: 'rate_limited',
  SERVICE_UNAVAILABLE: 'store_unavailable',
}

const t = initTRPC.context<Context>().create({
  isDev: false,
  /**
   * The one place a failure becomes a wire error: every refusal carries the
   * contract's `reason`; nothing internal (stack, cause, store or provider detail)
   * reaches the client.
   */
  errorFormatter({ shape, error }) {
    const cause = error.cause
    const reason = cause instanceof AuthError ? cause.reason : REASON_FOR_CODE[error.code]
    let message = error.message
    if (error.code === 'INTERNAL_SERVER_ERROR') message = 'Internal server error'
    else if (error.code === 'BAD_REQUEST' && !(cause instanceof AuthError)) message = describeInputError(cause)
    return {
      message,
      code: shape.code,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, reason },
    }
  },
})

/** The wire error for a domain failure, or undefined when it is not one (left as tRPC made it). */
function toWireError(cause: unknown) {
  if (cause instanceof AuthError) return toTRPCError(cause)
  if (cause instanceof StoreUnavailableError) return toTRPCError(new AuthError('store_unavailable', undefined, { cause }))
  return undefined
}

/**
 * Runs the rest of the procedure and maps domain failures to tRPC errors with
 * their reason: the procedures throw plain domain errors. Each procedure has one
 * middleware that does this along with its own check (every middleware layer
 * costs an object spread per call on the hot path).
 */
async function mapReasons<R extends { ok: boolean; error?: { cause?: unknown } }>(
  ctx: Context,
  path: string,
  run: () => Promise<R>,
): Promise<R> {
  let result: R
  try {
    result = await run()
  } catch (cause) {
    const wire = toWireError(cause) ?? cause
    countRefusal(ctx, path, wire)
    throw wire
  }
  if (result.ok) return result
  const wire = toWireError(result.error?.cause)
  countRefusal(ctx, path, wire ?? result.error)
  if (wire) throw wire
  return result
}

/** One refusal in `bp_flows_refused_total`, by procedure and contract reason (`internal` for a failure that has none). */
function countRefusal(ctx: Context, path: string, error: unknown): void {
  const cause = (error as { cause?: unknown } | undefined)?.cause
  const code = (error as { code?: TRPCError['code'] } | undefined)?.code
  const reason = cause instanceof AuthError ? cause.reason : ((code && REASON_FOR_CODE[code]) ?? 'internal')
  ctx.services.metrics.flowsRefused.inc({ step: path, reason })
}

export const router = t.router

/** A procedure anyone may call. */
export const publicProcedure = t.procedure.use(({ ctx, path, next }) => mapReasons(ctx, path, () => next()))

/** A procedure anyone may call, counted against the caller's address for limit `name` (refused as `rate_limited`). */
export function limitedProcedure(name: LimitName) {
  return t.procedure.use(({ ctx, path, next }) =>
    mapReasons(ctx, path, async () => {
      await ctx.services.limits.consume(name, ctx.clientIp)
      return next()
    }),
  )
}

/**
 * A procedure that needs `Authorization: Bearer <access token>` of a live login
 * (or, for a DPoP-bound token, `DPoP <token>` with a proof); adds `ctx.login`.
 */
export const authedProcedure = t.procedure.use(({ ctx, path, next }) =>
  mapReasons(ctx, path, async () => {
    let checked = authenticated.get(ctx)
    if (!checked) authenticated.set(ctx, (checked = authenticate(ctx.services, ctx)))
    const login = await checked
    return next({ ctx: { login } })
  }),
)

/**
 * A hot procedure, defined once for both ways it is called: the router's tRPC
 * procedure wraps it (`routers/auth.ts`), and the fast path calls it directly
 * ({@link callDirect}) without tRPC's middleware
 * chain, whose object spreads cost about as much as the HTTP request itself
 * (`pnpm bench`, profile of auth.complete). Both ways run the same steps in the
 * same order and fail with the same wire errors.
 */
export type DirectProcedure =
  | {
      type: 'mutation'
      /** Counted against the caller's address first (refused as `rate_limited`). */
      limit: LimitName
      input: ZodLike
      /**
       * `admitted` settles once the limit has counted this call, and rejects when it refuses it: the
       * resolver may send its first store read before (it goes to Redis in the same write as the count)
       * but must await `admitted` before it acts on anything or answers, and undo what it took if refused.
       */
      resolve(ctx: Context, input: never, admitted: Promise<void>): Promise<unknown>
    }
  | {
      type: 'query'
      /** Needs a live login's access token (and its DPoP proof when bound). */
      authed: true
      resolve(ctx: Context & { login: AuthenticatedLogin }): unknown
    }

/** What the input schemas offer (zod's `parse` and `parseAsync`). */
interface ZodLike {
  parse(value: unknown): unknown
  parseAsync(value: unknown): Promise<unknown>
}

/**
 * The `admitted` of a call whose limit was already counted (the router's
 * middleware awaits it before the resolver runs).
 */
export const ADMITTED: Promise<void> = Promise.resolve()

/** A hot mutation: limited by `limit`, input checked by `input`. */
export function limitedDirect<S extends z.ZodType, O>(
  limit: LimitName,
  input: S,
  resolve: (ctx: Context, input: z.output<S>, admitted: Promise<void>) => Promise<O>,
): {
  type: 'mutation'
  limit: LimitName
  input: S
  resolve: (ctx: Context, input: z.output<S>, admitted: Promise<void>) => Promise<O>
} {
  return { type: 'mutation', limit, input, resolve }
}

/** A hot query that needs a signed-in caller. */
export function authedDirect<O>(resolve: (ctx: Context & { login: AuthenticatedLogin }) => O): {
  type: 'query'
  authed: true
  resolve: (ctx: Context & { login: AuthenticatedLogin }) => O
} {
  return { type: 'query', authed: true, resolve }
}

/**
 * Calls a hot procedure as tRPC would, without its middleware chain: the limit
 * (counted alongside the resolver's first read, see `DirectProcedure`) or the
 * access-token check, then the input (parsed as tRPC's input middleware
 * parses it, a failure being tRPC's own BAD_REQUEST), then the resolver; every
 * failure is counted and mapped as {@link mapReasons} does. The error it throws
 * is the one tRPC would have thrown, for the same error shape.
 */
export async function callDirect(procedure: DirectProcedure, ctx: Context, path: string, rawInput: unknown): Promise<unknown> {
  try {
    if (procedure.type === 'query') {
      const login = await authenticate(ctx.services, ctx)
      return await procedure.resolve({ ...ctx, login })
    }
    // The count is sent now and the resolver started in this same tick, so its first store read shares
    // the count's round trip to Redis; it waits for the count before acting (see DirectProcedure).
    const admitted = ctx.services.limits.consume(procedure.limit, ctx.clientIp)
    admitted.catch(() => undefined)
    let input: unknown
    try {
      input = await parseInput(procedure.input, rawInput)
    } catch (error) {
      await admitted // a refused count is the answer, as when it is awaited first
      throw error
    }
    return await procedure.resolve(ctx, input as never, admitted)
  } catch (cause) {
    const wire = toWireError(cause) ?? getTRPCErrorFromUnknown(cause)
    countRefusal(ctx, path, wire)
    throw wire
  }
}

/** tRPC's input middleware, for a zod schema: `parse`, `parseAsync` when the schema needs it, BAD_REQUEST on failure. */
async function parseInput(schema: ZodLike, raw: unknown): Promise<unknown> {
  try {
    try {
      return schema.parse(raw)
    } catch (cause) {
      if (Array.isArray((cause as { issues?: unknown } | null)?.issues)) throw cause
      return await schema.parseAsync(raw)
    }
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', cause })
  }
}

/**
 * One check per HTTP request: the calls of a tRPC batch share its context, and
 * its one DPoP proof (its `jti` is accepted once) covers them all.
 */
const authenticated = new WeakMap<object, ReturnType<typeof authenticate>>()

function describeInputError(cause: unknown): string {
  const issues = flattenIssues((cause as { issues?: Issue[] } | undefined)?.issues)
  if (issues.length === 0) return 'The request is malformed.'
  return `Invalid input: ${issues
    .slice(0, 5)
    .map((issue) => `${(issue.path ?? []).map(String).join('.') || 'input'}: ${issue.message ?? 'invalid'}`)
    .join('; ')}`
}

interface Issue {
  code?: string
  path?: PropertyKey[]
  message?: string
  errors?: Issue[][]
}

/** Zod reports a failed union as one issue holding each branch's issues: report the closest branch's. */
function flattenIssues(issues: Issue[] | undefined): Issue[] {
  if (!Array.isArray(issues)) return []
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue]
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? []
    return flattenIssues(closest.map((inner) => ({ ...inner, path: [...(issue.path ?? []), ...(inner.path ?? [])] })))
  })
}

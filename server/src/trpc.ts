import { type TRPCError, initTRPC } from '@trpc/server'
import type { Reason } from '@boarding-pass/shared'
import type { Context } from './context.js'
import type { LimitName } from './limits/rate-limits.js'
import { AuthError, toTRPCError } from './errors.js'
import { StoreUnavailableError } from './store/index.js'
import { authenticate } from './session/authenticate.js'

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

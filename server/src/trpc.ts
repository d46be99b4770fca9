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

/** Maps domain failures to tRPC errors with their reason; the procedures throw plain domain errors. */
const reasons = t.middleware(async ({ next }) => {
  const result = await next()
  if (!result.ok) {
    const cause = result.error.cause
    if (cause instanceof AuthError) throw toTRPCError(cause)
    if (cause instanceof StoreUnavailableError) throw toTRPCError(new AuthError('store_unavailable', undefined, { cause }))
  }
  return result
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** A procedure anyone may call. */
export const publicProcedure = t.procedure.use(reasons)

/** A procedure that needs `Authorization: Bearer <access token>` of a live login; adds `ctx.login`. */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const login = await authenticate(ctx.services, ctx.authorization)
  return next({ ctx: { login } })
})

/** Counts the call against the caller's address for limit `name` (refused as `rate_limited`). */
export function rateLimited(name: LimitName) {
  return t.middleware(async ({ ctx, next }) => {
    await ctx.services.limits.consume(name, ctx.clientIp)
    return next()
  })
}

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

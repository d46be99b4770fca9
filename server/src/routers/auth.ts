import {
  completeInput,
  flowStatusInput,
  flowStatusOutput,
  introspectInput,
  introspectOutput,
  logoutInput,
  logoutOutput,
  providersOutput,
  refreshInput,
  revokeSessionInput,
  revokeSessionOutput,
  sessionsOutput,
  startInput,
  type StartOutput,
  type User,
} from '@boarding-pass/shared'
import { completeFlow } from '../flow/complete.js'
import { startCrossDeviceFlow } from '../flow/cross-device/start.js'
import { pollFlow, readFlowStatus, watchFlow } from '../flow/cross-device/status.js'
import { startFlow } from '../flow/start.js'
import { countOpen } from '../metrics/http.js'
import { bindingKey } from '../session/dpop.js'
import { introspectToken } from '../session/introspect.js'
import { logout } from '../session/logout.js'
import { refreshLogin } from '../session/refresh.js'
import { listSessions, revokeSession } from '../session/sessions.js'
import {
  ADMITTED,
  authedDirect,
  authedProcedure,
  limitedDirect,
  limitedProcedure,
  publicProcedure,
  router,
  type DirectProcedure,
} from '../trpc.js'

/**
 * Step 1, step 3, rotation and the caller's user: the hot paths (`auth.start`
 * is also what a flood of abandoned logins calls). Each is defined once
 * and called two ways: through the router below (batches, the adapter) and
 * directly by the fast path (`http/trpc-fast-path.ts`), which skips tRPC's
 * middleware chain but runs the same steps (see `callDirect`). They skip
 * runtime output validation: their types come from the shared schemas, and the
 * contract tests parse every answer with them.
 */
const start = limitedDirect('start', startInput, async (ctx, input, admitted): Promise<StartOutput> => {
  await admitted
  return input.mode === 'cross-device'
    ? startCrossDeviceFlow(ctx.services, input, { ip: ctx.clientIp, userAgent: ctx.userAgent })
    : startFlow(ctx.services, input)
})

const complete = limitedDirect('complete', completeInput, async (ctx, input, admitted) =>
  completeFlow(ctx.services, input, { userAgent: ctx.userAgent, jkt: await bindingKey(ctx.services, ctx) }, admitted),
)

const refresh = limitedDirect('refresh', refreshInput, async (ctx, input, admitted) => {
  let jkt: string | undefined
  if (ctx.dpop !== undefined) {
    // A DPoP proof is checked once the call is counted (a refused call spends no proof).
    await admitted
    jkt = await bindingKey(ctx.services, ctx)
  }
  return refreshLogin(ctx.services, input.refreshToken, { ip: ctx.clientIp, userAgent: ctx.userAgent, jkt }, admitted)
})

const me = authedDirect((ctx): User => ctx.login.user)

/** The hot procedures by path, for the fast path's direct calls. */
export const directProcedures: Readonly<Record<string, DirectProcedure>> = {
  'auth.start': start,
  'auth.complete': complete,
  'auth.refresh': refresh,
  'auth.me': me,
}

/**
 * The two-code flow. Step 2 (the provider's callback) is an HTTP route, not a
 * procedure: see `http/callback-route.ts`.
 */
export const authRouter = router({
  providers: publicProcedure.output(providersOutput).query(({ ctx }) => ctx.services.providers.list()),

  /** Step 1. */
  start: limitedProcedure(start.limit)
    .input(start.input)
    .mutation(({ ctx, input }) => start.resolve(ctx, input, ADMITTED)),

  /** v1.1: the waiting device learns of the approval live (Server-Sent Events). */
  watch: limitedProcedure('status')
    .input(flowStatusInput)
    .subscription(async ({ ctx, input, signal }) => {
      await readFlowStatus(ctx.services, input.flowId)
      return countOpen(ctx.services.metrics.watchStreams, watchFlow(ctx.services, input.flowId, signal))
    }),

  /** v1.1: the same, once, for clients that cannot hold a stream; no faster than `interval`. */
  poll: limitedProcedure('status')
    .input(flowStatusInput)
    .output(flowStatusOutput)
    .mutation(({ ctx, input }) => pollFlow(ctx.services, input.flowId)),

  /** Step 3. */
  complete: limitedProcedure(complete.limit)
    .input(complete.input)
    .mutation(({ ctx, input }) => complete.resolve(ctx, input, ADMITTED)),

  refresh: limitedProcedure(refresh.limit)
    .input(refresh.input)
    .mutation(({ ctx, input }) => refresh.resolve(ctx, input, ADMITTED)),

  logout: limitedProcedure('revoke')
    .input(logoutInput)
    .output(logoutOutput)
    .mutation(({ ctx, input }) => logout(ctx.services, input.refreshToken, input.scope)),

  /** RFC 7662 in spirit: is this access token good right now? `{ active: false }` or its claims and user. */
  introspect: limitedProcedure('introspect')
    .input(introspectInput)
    .output(introspectOutput)
    .mutation(({ ctx, input }) => introspectToken(ctx.services, input.token)),

  me: authedProcedure.query(({ ctx }) => me.resolve(ctx)),

  /** v1.2: the caller's live sessions, newest first. */
  sessions: authedProcedure.output(sessionsOutput).query(({ ctx }) => listSessions(ctx.services, ctx.login)),

  /** v1.2: ends one of the caller's sessions on every instance. */
  revokeSession: authedProcedure
    .input(revokeSessionInput)
    .output(revokeSessionOutput)
    .mutation(({ ctx, input }) => revokeSession(ctx.services, ctx.login, input.sessionId)),
})

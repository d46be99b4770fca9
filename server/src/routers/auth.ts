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
  startInput,
  startOutput,
  tokenResponse,
  userSchema,
} from '@boarding-pass/shared'
import { completeFlow } from '../flow/complete.js'
import { startCrossDeviceFlow } from '../flow/cross-device/start.js'
import { pollFlow, readFlowStatus, watchFlow } from '../flow/cross-device/status.js'
import { startFlow } from '../flow/start.js'
import { introspectToken } from '../session/introspect.js'
import { logout } from '../session/logout.js'
import { refreshLogin } from '../session/refresh.js'
import { authedProcedure, publicProcedure, rateLimited, router } from '../trpc.js'

/**
 * The two-code flow. Step 2 (the provider's callback) is an HTTP route, not a
 * procedure: see `http/callback-route.ts`.
 */
export const authRouter = router({
  providers: publicProcedure.output(providersOutput).query(({ ctx }) => ctx.services.providers.list()),

  /** Step 1. */
  start: publicProcedure
    .use(rateLimited('start'))
    .input(startInput)
    .output(startOutput)
    .mutation(({ ctx, input }) =>
      input.mode === 'cross-device'
        ? startCrossDeviceFlow(ctx.services, input, { ip: ctx.clientIp, userAgent: ctx.userAgent })
        : startFlow(ctx.services, input),
    ),

  /** v1.1: the waiting device learns of the approval live (Server-Sent Events). */
  watch: publicProcedure
    .use(rateLimited('status'))
    .input(flowStatusInput)
    .subscription(async ({ ctx, input, signal }) => {
      await readFlowStatus(ctx.services, input.flowId)
      return watchFlow(ctx.services, input.flowId, signal)
    }),

  /** v1.1: the same, once, for clients that cannot hold a stream; no faster than `interval`. */
  poll: publicProcedure
    .use(rateLimited('status'))
    .input(flowStatusInput)
    .output(flowStatusOutput)
    .mutation(({ ctx, input }) => pollFlow(ctx.services, input.flowId)),

  /** Step 3. */
  complete: publicProcedure
    .use(rateLimited('complete'))
    .input(completeInput)
    .output(tokenResponse)
    .mutation(({ ctx, input }) => completeFlow(ctx.services, input)),

  refresh: publicProcedure
    .use(rateLimited('refresh'))
    .input(refreshInput)
    .output(tokenResponse)
    .mutation(({ ctx, input }) => refreshLogin(ctx.services, input.refreshToken)),

  logout: publicProcedure
    .input(logoutInput)
    .output(logoutOutput)
    .mutation(({ ctx, input }) => logout(ctx.services, input.refreshToken)),

  /** RFC 7662 in spirit: is this access token good right now? `{ active: false }` or its claims and user. */
  introspect: publicProcedure
    .input(introspectInput)
    .output(introspectOutput)
    .mutation(({ ctx, input }) => introspectToken(ctx.services, input.token)),

  me: authedProcedure.output(userSchema).query(({ ctx }) => ctx.login.user),
})

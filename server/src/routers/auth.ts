import {
  completeInput,
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
import { startFlow } from '../flow/start.js'
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
    .mutation(({ ctx, input }) => startFlow(ctx.services, input)),

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

  me: authedProcedure.output(userSchema).query(({ ctx }) => ctx.login.user),
})

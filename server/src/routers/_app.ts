import { router } from '../trpc.js'
import { authRouter } from './auth.js'

export const appRouter = router({ auth: authRouter })

/** The API's type: clients import only this (`import type`), never server code. */
export type AppRouter = typeof appRouter

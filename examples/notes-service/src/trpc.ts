import type { IncomingHttpHeaders } from 'node:http'
import { initTRPC } from '@trpc/server'
import { isBoardingPassError } from '@boarding-pass/verify'

/** What every call sees: the request's headers (the Bearer token is read from them). */
export interface NotesContext {
  headers: IncomingHttpHeaders
}

const t = initTRPC.context<NotesContext>().create({
  /** Refusals carry Boarding Pass's contract reason (`invalid_token`, …), as Boarding Pass's own API does. */
  errorFormatter({ shape, error }) {
    const reason = isBoardingPassError(error.cause) ? error.cause.reason : undefined
    return { ...shape, data: { ...shape.data, stack: undefined, reason } }
  },
})

export const router = t.router
export const publicProcedure = t.procedure

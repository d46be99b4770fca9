import { z } from 'zod'
import { createTRPCClient, httpLink } from '@trpc/client'
import type { AppRouter } from '@boarding-pass/server'
import { requireAccessToken, type RequireAccessTokenOptions } from '@boarding-pass/verify/trpc'
import type { NoteBook } from './notes.js'
import { publicProcedure, router } from './trpc.js'

export interface NotesRouterOptions {
  /** How tokens are checked: Boarding Pass's issuer and audience, revocation checks, … */
  auth: RequireAccessTokenOptions
  notes: NoteBook
}

/**
 * The notes API. Everything under `notes` and `profile` needs a Boarding Pass
 * access token; `ctx.user.id` is whose notes they are.
 */
export function createNotesRouter(options: NotesRouterOptions) {
  const { notes } = options
  const protectedProcedure = publicProcedure.concat(requireAccessToken(options.auth))
  const boardingPassUrl = options.auth.url ?? options.auth.issuer

  return router({
    health: publicProcedure.query(() => ({ status: 'ok' as const })),

    notes: router({
      mine: protectedProcedure.query(({ ctx }) => ({ owner: ctx.user.id, notes: notes.of(ctx.user.id) })),
      add: protectedProcedure
        .input(z.object({ text: z.string().trim().min(1).max(1000) }))
        .mutation(({ ctx, input }) => notes.add(ctx.user.id, input.text)),
    }),

    profile: router({
      /** The caller's profile, fetched from Boarding Pass with the caller's own token (token relay). */
      me: protectedProcedure.query(({ ctx }) => {
        const token = ctx.headers.authorization?.replace(/^Bearer +/i, '')
        const boardingPass = createTRPCClient<AppRouter>({
          links: [httpLink({ url: `${boardingPassUrl}/trpc`, headers: token ? { authorization: `Bearer ${token}` } : {} })],
        })
        return boardingPass.auth.me.query()
      }),
    }),
  })
}

export type NotesRouter = ReturnType<typeof createNotesRouter>

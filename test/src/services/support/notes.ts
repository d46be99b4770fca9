import { createTRPCClient, httpLink } from '@trpc/client'
import {
  startNotesService,
  type NotesRouter,
  type NotesService,
  type NotesServiceOptions,
} from '../../../../examples/notes-service/src/index.js'
import { callProcedure, type WireResponse } from '../../support/trpc-http.js'

export { startNotesService, type NotesService, type NotesServiceOptions }

/** The notes API as its own users call it: a typed tRPC client with the caller's Bearer token. */
export function notesClient(service: NotesService, accessToken?: string) {
  return createTRPCClient<NotesRouter>({
    links: [
      httpLink({
        url: `${service.url}/trpc`,
        headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
      }),
    ],
  })
}

/** `notes.mine` over plain HTTP, to see status, headers and the error envelope. */
export function myNotes(service: NotesService, accessToken?: string): Promise<WireResponse> {
  return callProcedure(service.url, 'notes.mine', accessToken ? { bearer: accessToken } : {})
}

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHTTPServer } from '@trpc/server/adapters/standalone'
import { isAccessTokenError } from '@boarding-pass/verify'
import type { RequireAccessTokenOptions } from '@boarding-pass/verify/trpc'
import { NoteBook } from './notes.js'
import { createNotesRouter } from './router.js'

export interface NotesServiceOptions extends RequireAccessTokenOptions {
  /** Port to listen on (0: any free one). */
  port?: number
  host?: string
}

/** A running notes service. */
export interface NotesService {
  /** e.g. `http://127.0.0.1:4000`; the API is at `{url}/trpc`. */
  url: string
  server: Server
  close(): Promise<void>
}

/** Starts the notes API (tRPC's standalone adapter) at `/trpc`. */
export async function startNotesService(options: NotesServiceOptions): Promise<NotesService> {
  const { port = 0, host = '127.0.0.1', ...auth } = options
  const server = createHTTPServer({
    basePath: '/trpc/',
    router: createNotesRouter({ auth, notes: new NoteBook() }),
    createContext: ({ req }) => ({ headers: req.headers }),
    /** RFC 6750 §3: a 401 says how to authenticate, and why the token was refused. */
    responseMeta({ errors }) {
      const refusal = errors.find((error) => error.code === 'UNAUTHORIZED')
      if (!refusal) return {}
      const challenge =
        isAccessTokenError(refusal.cause) && refusal.cause.code !== 'missing'
          ? `Bearer realm="notes", error="invalid_token", error_description="${refusal.cause.message}"`
          : 'Bearer realm="notes"'
      return { headers: { 'www-authenticate': challenge } }
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  getErrorShape,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
  type AnyTRPCProcedure,
  type TRPCError,
} from '@trpc/server'
import { getHTTPStatusCodeFromError } from '@trpc/server/http'
import { createContext } from '../context.js'
import { retryAfterOf } from '../errors.js'
import { appRouter } from '../routers/_app.js'
import { directProcedures } from '../routers/auth.js'
import type { Services } from '../services.js'
import { dpopChallengeOf } from '../session/dpop.js'
import { callDirect } from '../trpc.js'

const config = appRouter._def._config
const procedures = appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure | undefined>

/**
 * The common case of the tRPC wire format, answered without tRPC's generic
 * adapter: one query (`GET /trpc/<path>?input=…`) or one mutation
 * (`POST /trpc/<path>` with a JSON body). The adapter builds a Fetch `Request`,
 * abort signals and a web stream for every call; this calls the same procedure
 * (same middleware, same validation, same error formatter) and writes the same
 * envelope, status and headers directly. The hot procedures (complete, refresh,
 * me) are called without tRPC's middleware chain (`callDirect` in trpc.ts runs
 * their same steps). Anything else — batches, subscriptions,
 * other content types, bodies that are not JSON, unknown paths, wrong methods —
 * returns false and goes through the adapter, so every edge keeps tRPC's exact
 * behaviour. `test/src/integration/fast-path.test.ts` holds the two to the same
 * bytes.
 */
export async function tryFastPath(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
  maxBodyBytes: number,
): Promise<boolean> {
  const procedure = procedures[path]
  if (!procedure) return false
  const type = procedure._def.type
  let input: unknown
  if (type === 'query' && req.method === 'GET') {
    if (query) {
      const params = new URLSearchParams(query)
      if (params.has('batch') || [...params.keys()].some((key) => key !== 'input')) return false
      const raw = params.get('input')
      if (raw !== null) {
        try {
          input = JSON.parse(raw)
        } catch {
          return false
        }
      }
    }
  } else if (type === 'mutation' && req.method === 'POST') {
    if (query || req.headers['content-type'] !== 'application/json') return false
    const length = Number(req.headers['content-length'])
    if (!(length > 0 && length <= maxBodyBytes)) return false
    const body = await readBody(req, length)
    try {
      input = JSON.parse(body)
    } catch {
      // Not JSON: hand the body to the adapter (it reads `req.body` when set) for tRPC's own answer.
      ;(req as IncomingMessage & { body?: string }).body = body
      return false
    }
  } else {
    return false
  }

  const ctx = createContext(services, req)
  let payload: unknown
  let status = 200
  let error: TRPCError | undefined
  try {
    const direct = directProcedures[path]
    const data = direct
      ? await callDirect(direct, ctx, path, input)
      : await procedure({ path, getRawInput: async () => input, ctx, type, signal: undefined, batchIndex: 0 })
    payload = { result: { data } }
  } catch (cause) {
    error = getTRPCErrorFromUnknown(cause)
    if (error.code === 'INTERNAL_SERVER_ERROR') services.logger.error({ path, err: error.cause ?? error }, 'procedure failed')
    payload = { error: getErrorShape({ config, ctx, error, input, path, type }) }
    status = getHTTPStatusCodeFromError(error)
  }
  const text = JSON.stringify(transformTRPCResponse(config, payload as never))
  const headers: Record<string, string | number> = {
    vary: 'trpc-accept, accept, Origin',
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  }
  const wait = retryAfterOf([error])
  if (wait) headers['retry-after'] = String(wait)
  const challenge = error && dpopChallengeOf([error])
  if (challenge) headers['www-authenticate'] = challenge
  res.writeHead(status, headers)
  res.end(text)
  return true
}

/** Reads a body whose Content-Length is `length` (Node's parser holds it to that length). */
async function readBody(req: IncomingMessage, length: number): Promise<string> {
  const buffer = Buffer.allocUnsafe(length)
  let offset = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    chunk.copy(buffer, offset, 0, Math.min(chunk.length, length - offset))
    offset += chunk.length
  }
  return buffer.toString('utf8', 0, Math.min(offset, length))
}

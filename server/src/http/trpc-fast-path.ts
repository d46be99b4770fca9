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
 * envelope, status and headers directly. The hot procedures (start, complete, refresh,
 * me) are called without tRPC's middleware chain (`callDirect` in trpc.ts runs
 * their same steps). Anything else — batches, subscriptions,
 * other content types, bodies that are not JSON, unknown paths, wrong methods —
 * returns false and goes through the adapter, so every edge keeps tRPC's exact
 * behaviour.
 *
 * `headers`: every header the router's own steps would have set before the
 * answer (base headers, `cache-control`, and for a call with an Origin the
 * CORS headers), in their order; the answer then goes out in one `writeHead`
 * (no `setHeader` per header), the same bytes. `test/src/integration/fast-path.test.ts`
 * holds the two to the same bytes.
 */
export async function tryFastPath(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
  maxBodyBytes: number,
  headers: Readonly<Record<string, string>> = {},
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
  const text = JSON.stringify(identityTransformer ? payload : transformTRPCResponse(config, payload as never))
  const answer: Record<string, string | number> = {
    ...headers,
    vary: 'trpc-accept, accept, Origin',
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  }
  const wait = retryAfterOf([error])
  if (wait) answer['retry-after'] = String(wait)
  const challenge = error && dpopChallengeOf([error])
  if (challenge) answer['www-authenticate'] = challenge
  res.writeHead(status, answer)
  res.end(text)
  return true
}

/**
 * Whether the router's transformer is tRPC's default (none): then the envelope
 * is sent as it is, without `transformTRPCResponse`'s copies of it.
 */
const identityTransformer = (() => {
  const probe = { result: { data: { probe: [1] } } }
  return config.transformer.output.serialize(probe.result.data) === probe.result.data
})()

/** Reads a body whose Content-Length is `length` (Node's parser holds it to that length). */
function readBody(req: IncomingMessage, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const buffer = Buffer.allocUnsafe(length)
    let offset = 0
    req.on('data', (chunk: Buffer) => {
      chunk.copy(buffer, offset, 0, Math.min(chunk.length, length - Math.min(offset, length)))
      offset += chunk.length
    })
    let ended = false
    req.once('end', () => {
      ended = true
      resolve(buffer.toString('utf8', 0, Math.min(offset, length)))
    })
    req.once('error', reject)
    req.once('close', () => {
      if (!ended) reject(new Error('the request closed before its body ended'))
    })
  })
}

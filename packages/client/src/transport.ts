import { BoardingPassError, clientError, serverError } from './errors.js'

/** The credential a request carries, as the session holds it. */
export interface Credential {
  accessToken: string
  /** `Bearer`, or `DPoP` once tokens are sender-constrained. */
  tokenType: string
}

/**
 * One step every outgoing request passes through before it is sent (the
 * Authorization header today; a DPoP proof, which needs the final method, URL
 * and token, can be another step later without changing any public API).
 */
export type RequestStep = (request: Request, credential: Credential | undefined) => void | Promise<void>

/** Sets `Authorization: <type> <token>` when there is a credential. */
export const authorizationStep: RequestStep = (request, credential) => {
  if (credential) request.headers.set('authorization', `${credential.tokenType} ${credential.accessToken}`)
}

/**
 * How the client talks HTTP: the app's fetch (or the platform's), and the steps
 * each request goes through. Procedure calls and `client.fetch` share it.
 */
export interface Transport {
  /** Sends a request through every step. Network failures become `network` errors. */
  send(request: Request, credential?: Credential): Promise<Response>
  /** A tRPC query (`GET /trpc/<path>?input=…`), unwrapped, or the refusal as a {@link BoardingPassError}. */
  query<T>(path: string, input?: unknown, credential?: Credential, signal?: AbortSignal): Promise<T>
  /** A tRPC mutation (`POST /trpc/<path>` with the input as JSON), unwrapped. */
  mutation<T>(path: string, input: unknown, credential?: Credential, signal?: AbortSignal): Promise<T>
  /** The URL of a procedure, for a stream. */
  procedureUrl(path: string, input?: unknown): string
}

export function createTransport(baseUrl: string, fetchImpl: typeof fetch | undefined, steps: RequestStep[]): Transport {
  const trpcBase = `${baseUrl.replace(/\/+$/, '')}/trpc/`
  const doFetch = (request: Request) => (fetchImpl ?? globalThis.fetch)(request)

  async function send(request: Request, credential?: Credential): Promise<Response> {
    for (const step of steps) await step(request, credential)
    // A request with a DPoP proof may be sent once more with a new proof (RFC 9449 §7.1).
    const again = request.headers.has('dpop') ? request.clone() : undefined
    const response = await attempt(request)
    if (!again || response.status !== 401 || !/invalid_dpop_proof/.test(response.headers.get('www-authenticate') ?? '')) {
      return response
    }
    for (const step of steps) await step(again, credential)
    return attempt(again)
  }

  async function attempt(request: Request): Promise<Response> {
    try {
      return await doFetch(request)
    } catch (error) {
      if (request.signal.aborted) throw error
      throw clientError('network', error)
    }
  }

  function procedureUrl(path: string, input?: unknown): string {
    return `${trpcBase}${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
  }

  async function call<T>(request: Request, credential: Credential | undefined): Promise<T> {
    const response = await send(request, credential)
    let body: unknown
    try {
      body = await response.json()
    } catch (error) {
      throw new BoardingPassError('unexpected', `Boarding Pass answered ${response.status} with no JSON.`, {
        source: 'server',
        status: response.status,
        cause: error,
      })
    }
    const result = (body as { result?: { data?: unknown } } | null)?.result
    if (response.ok && result) return result.data as T
    throw serverError(body, response.status)
  }

  return {
    send,
    procedureUrl,
    query: (path, input, credential, signal) =>
      call(new Request(procedureUrl(path, input), { method: 'GET', signal: signal ?? null }), credential),
    mutation: (path, input, credential, signal) =>
      call(
        new Request(procedureUrl(path), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? null),
          signal: signal ?? null,
        }),
        credential,
      ),
  }
}

/** The JSON an HTTP call to the API answered with, and its status. */
export interface WireResponse<T = unknown> {
  status: number
  headers: Headers
  body: {
    result?: { data: T }
    error?: { message: string; code: number; data: { code: string; httpStatus: number; reason?: string } }
  }
}

/**
 * Calls a procedure the way any HTTP client would (no tRPC client): a mutation
 * is `POST /trpc/<path>` with a JSON body, a query `GET /trpc/<path>?input=…`.
 */
export async function callProcedure<T = unknown>(
  baseUrl: string,
  path: string,
  options: { mutation?: unknown; query?: unknown; bearer?: string; headers?: Record<string, string> } = {},
): Promise<WireResponse<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`
  let response: Response
  if ('mutation' in options) {
    headers['content-type'] ??= 'application/json'
    response = await fetch(`${baseUrl}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(options.mutation) })
  } else {
    const query = options.query === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(options.query))}`
    response = await fetch(`${baseUrl}/trpc/${path}${query}`, { headers })
  }
  return { status: response.status, headers: response.headers, body: (await response.json()) as WireResponse<T>['body'] }
}

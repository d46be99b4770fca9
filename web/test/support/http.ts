import { request } from 'node:http'

/**
 * Plain Node HTTP for what the tests do besides the app: playing the browser
 * at the provider, and calling the API as another client would. (happy-dom's
 * own fetch stands in for the browser's and follows its rules, which these
 * steps must not.)
 */
export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export function send(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** A tRPC mutation over plain HTTP: `{ status, reason?, data? }`. */
export async function mutate(baseUrl: string, path: string, input: unknown) {
  const response = await send(`${baseUrl}/trpc/${path}`, {
    method: 'POST',
    body: JSON.stringify(input),
    headers: { 'content-type': 'application/json' },
  })
  const body = JSON.parse(response.body) as { result?: { data: unknown }; error?: { data?: { reason?: string } } }
  return { status: response.status, data: body.result?.data, reason: body.error?.data?.reason }
}

/** A tRPC query with a Bearer token over plain HTTP. */
export async function queryWithBearer(baseUrl: string, path: string, token: string) {
  const response = await send(`${baseUrl}/trpc/${path}`, { headers: { authorization: `Bearer ${token}` } })
  const body = JSON.parse(response.body) as { result?: { data: unknown }; error?: { data?: { reason?: string } } }
  return { status: response.status, data: body.result?.data, reason: body.error?.data?.reason }
}

/**
 * Signs in at the development provider as a browser would (cookies, redirects,
 * the login form) and returns the URL the service sends the browser back to.
 */
export async function loginAtProvider(
  authorizationUrl: string,
  options: { name?: string; deny?: boolean; stopAt: string },
): Promise<URL> {
  const jar = new Map<string, string>()
  let url = authorizationUrl
  let method = 'GET'
  let body: string | undefined
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(options.stopAt)) return new URL(url)
    const headers: Record<string, string> = { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') }
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded'
    const response = await send(url, { method, body, headers })
    const cookies = response.headers['set-cookie']
    for (const line of Array.isArray(cookies) ? cookies : []) {
      const [pair = ''] = line.split(';')
      const eq = pair.indexOf('=')
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    const location = response.headers.location
    if (typeof location === 'string') {
      url = new URL(location, url).href
      method = 'GET'
      body = undefined
      continue
    }
    if (response.status === 200 && method === 'GET' && url.includes('/interaction/')) {
      method = 'POST'
      body = new URLSearchParams(
        options.deny ? { action: 'deny' } : { action: 'login', name: options.name ?? 'Ada Lovelace' },
      ).toString()
      continue
    }
    throw new Error(`provider login stopped at ${response.status} ${url}`)
  }
  throw new Error('too many redirects')
}

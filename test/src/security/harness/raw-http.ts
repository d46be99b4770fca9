import { request } from 'node:http'
import { connect } from 'node:net'

/** What the server answered, read without any client-side interpretation. */
export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/**
 * One HTTP request with exactly the bytes and headers given (no fetch-side
 * checks on header values, body encodings or content types), as an attacker's
 * own client would send it.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} within 10 s`)))
    req.end(options.body)
  })
}

/**
 * Writes `bytes` on a fresh TCP connection and returns whatever comes back until
 * the server closes it (or `timeoutMs`): for requests no HTTP client would send.
 */
export function rawExchange(address: string, bytes: string | Buffer, timeoutMs = 5_000): Promise<string> {
  const { hostname, port } = new URL(address)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(), timeoutMs)
    socket.on('connect', () => socket.end(bytes))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('latin1'))
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'))
      else reject(error)
    })
  })
}

/**
 * Writes `bytes` on a fresh TCP connection and keeps it open (the rest of a
 * declared body never comes): resolves with the first bytes the server sends,
 * or with '' if it sends nothing within `timeoutMs`.
 */
export function firstBytes(address: string, bytes: string, timeoutMs: number): Promise<string> {
  const { hostname, port } = new URL(address)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(bytes))
    const done = (text: string) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(text)
    }
    const timer = setTimeout(() => done(''), timeoutMs)
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1')))
    socket.on('error', () => done(''))
  })
}

/** The status code of a raw HTTP/1.1 response text, or 0 when there was none. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0)
}

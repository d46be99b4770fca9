import type { IncomingMessage } from 'node:http'

/** The request body is larger than allowed. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
}

/** Reads the whole body as text, refusing more than `limit` bytes. */
export async function readText(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) throw new BodyTooLargeError(`body over ${limit} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new BodyTooLargeError(`body over ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Reads an `application/x-www-form-urlencoded` body. */
export async function readForm(req: IncomingMessage, limit: number): Promise<URLSearchParams> {
  return new URLSearchParams(await readText(req, limit))
}

import type { IncomingMessage } from 'node:http'

/**
 * The caller's address. Behind `hops` trusted reverse proxies it is the entry
 * that many places from the right of X-Forwarded-For (the leftmost entries are
 * whatever the client claimed, so they are never trusted).
 */
export function clientAddress(req: IncomingMessage, hops: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown'
  if (hops === 0) return socket
  const header = req.headers['x-forwarded-for']
  const chain = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  return chain[chain.length - hops] ?? chain[0] ?? socket
}

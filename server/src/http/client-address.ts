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

/**
 * A check that logs one warning, the first time a request arrives with
 * `X-Forwarded-For` while `TRUST_PROXY_HOPS` is 0: the service is probably
 * behind a proxy it does not trust, so every caller has the proxy's address
 * (rate limits per address become global, and the "different network" warning
 * on `/link` never shows).
 *
 * @example
 * const warnUntrustedProxy = untrustedProxyWarning(logger, settings.trustProxyHops)
 * warnUntrustedProxy(req) // on every request; logs at most once
 */
export function untrustedProxyWarning(
  logger: { warn(fields: object, message: string): void },
  hops: number,
): (req: IncomingMessage) => void {
  let warned = hops > 0
  return (req) => {
    if (warned || req.headers['x-forwarded-for'] === undefined) return
    warned = true
    logger.warn(
      { setting: 'TRUST_PROXY_HOPS', trustProxyHops: hops },
      'requests arrive with X-Forwarded-For but TRUST_PROXY_HOPS=0: every caller has the proxy’s address; set TRUST_PROXY_HOPS to the number of proxies in front of the service',
    )
  }
}

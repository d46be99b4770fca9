import type { IncomingMessage } from 'node:http'
import { clientAddress } from './http/client-address.js'
import type { Services } from './services.js'

/** What each procedure call sees: the services and who is calling. */
export interface Context {
  services: Services
  /** The caller's network address, for rate limits and logs. */
  clientIp: string
  /** The raw `Authorization` header, if any. */
  authorization: string | undefined
  userAgent: string | undefined
  /** v1.2: the raw `DPoP` header (a proof), if any. */
  dpop: string | undefined
  /** The request's method and path (no query): what a DPoP proof's `htm` and `htu` must name. */
  method: string
  path: string
}

/** The context of one HTTP request. */
export function createContext(services: Services, req: IncomingMessage): Context {
  return {
    services,
    clientIp: clientAddress(req, services.settings.trustProxyHops),
    authorization: req.headers.authorization,
    userAgent: req.headers['user-agent'],
    dpop: req.headers.dpop as string | undefined,
    method: req.method ?? 'GET',
    path: pathOf(req.url ?? '/'),
  }
}

/** The path of a request target, without query or fragment. */
function pathOf(url: string): string {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

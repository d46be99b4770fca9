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
}

/** The context of one HTTP request. */
export function createContext(services: Services, req: IncomingMessage): Context {
  return {
    services,
    clientIp: clientAddress(req, services.settings.trustProxyHops),
    authorization: req.headers.authorization,
    userAgent: req.headers['user-agent'],
  }
}

import type { IncomingMessage } from 'node:http'

/**
 * Whether a state-changing request came from another site (contract v1.2):
 * its `Origin` is not `publicOrigin` (`null` included), or, when it has no
 * `Origin`, its `Sec-Fetch-Site` is `cross-site` or `same-site`. A request with
 * neither header (an old browser, curl) is not treated as cross-site: the form
 * token and its cookie still protect it.
 *
 * @example
 * if (isCrossSite(req, new URL(settings.publicUrl).origin)) return sendPage(res, 403, forbiddenPage())
 */
export function isCrossSite(req: IncomingMessage, publicOrigin: string): boolean {
  const origin = req.headers.origin
  if (origin !== undefined) return origin !== publicOrigin
  const site = req.headers['sec-fetch-site']
  return site === 'cross-site' || site === 'same-site'
}

import { page } from './html.js'
import type { ServerResponse } from 'node:http'

/**
 * Headers every response carries, whatever it is, in the order they are sent.
 *
 * @example
 * ```ts
 * res.writeHead(200, { ...baseHeaders({ hsts: false }), 'content-type': 'text/plain' })
 * ```
 */
export function baseHeaders(options: { hsts: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  }
  if (options.hsts) headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains'
  return headers
}

/** Sets the {@link baseHeaders} on a response. */
export function setBaseHeaders(res: ServerResponse, options: { hsts: boolean }): void {
  for (const [name, value] of Object.entries(baseHeaders(options))) res.setHeader(name, value)
}

/** The SPA's policy: only its own scripts, styles and API; pictures from https providers. */
export const SPA_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * SVG files: an SVG opened as a document can run script, so it gets a policy
 * that allows none (its own inline styles only, no framing).
 *
 * @example
 * res.setHeader('content-security-policy', SVG_CSP)
 */
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"

/**
 * Pages another component renders (the development provider's): no framing, and
 * no script but the provider's own. No `form-action`, so its forms may still end
 * in a redirect to the app. `script-src 'self'` is there for oidc-provider: given a
 * `script-src`, it adds the hash of the one inline script it writes (the form it
 * submits itself, e.g. when two tabs finish their logins at once), and nothing else
 * inline runs.
 *
 * @example
 * res.setHeader('content-security-policy', FOREIGN_PAGE_CSP)
 */
export const FOREIGN_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

/** Server-rendered pages: no script at all, their one inline stylesheet, forms to this origin and the providers. */
export function pageCsp(formTargets: string[] = []): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "base-uri 'none'",
    `form-action 'self'${formTargets.map((target) => ` ${target}`).join('')}`,
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(text)
}

/** The page for a store (or provider) that does not answer: 503, try again shortly. */
export function sendUnavailablePage(res: ServerResponse): void {
  res.setHeader('retry-after', '5')
  sendPage(res, 503, page('Try again', '<h1>Please try again in a moment</h1><p>The service is briefly unavailable.</p>'))
}

/** Sends one of the server-rendered HTML pages. */
export function sendPage(res: ServerResponse, status: number, html: string, csp = pageCsp()): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': csp,
  })
  res.end(html)
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { MAX_ACCESS_TOKEN_LENGTH } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import type { LimitName } from '../limits/limits.js'
import type { Services } from '../services.js'
import { introspectToken } from '../session/introspect.js'
import { logout } from '../session/logout.js'
import { StoreUnavailableError } from '../store/index.js'
import { BodyTooLargeError, readForm } from './body.js'
import { clientAddress } from './client-address.js'
import { applyCors } from './cors.js'
import { sendJson } from './headers.js'

/** The two discovery documents (RFC 8414; the OpenID name for the same document). */
const DISCOVERY_PATHS = new Set(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])

/**
 * Paths that belong to the API: anything under them that no route answers is a
 * JSON 404, never the SPA's page (a client expecting JSON must not get HTML with
 * status 200). `/metrics` too: it is never served on the public port.
 */
const API_PREFIXES = ['/.well-known', '/trpc', '/auth', '/oauth', '/metrics']

/** Largest form body the RFC endpoints read: one token and a hint. */
const MAX_FORM_BYTES = 8 * 1024

/**
 * The discovery document: what a standard client or resource server needs to
 * find the keys and the RFC 7662/7009 endpoints from the issuer URL alone.
 *
 * `authorization_endpoint` and `token_endpoint` are deliberately absent: sign-in
 * is the two-code flow over tRPC (`auth.start`, `auth.complete`), not RFC 6749's
 * authorization-code grant. A standard client that found them would send
 * `response_type=code&client_id=…` and `grant_type=authorization_code` requests
 * there and fail confusingly; without them it fails at once and plainly. RFC 8414
 * allows leaving them out when no grant type that uses them is supported, which
 * is exactly the case (`grant_types_supported: []`, `response_types_supported: []`).
 * No ID-token fields either: this service issues access tokens, not ID tokens;
 * the OpenID name is served because many JWT libraries look there for `jwks_uri`.
 */
export function discoveryDocument(publicUrl: string): Record<string, unknown> {
  return {
    issuer: publicUrl,
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    response_types_supported: [],
    grant_types_supported: [],
    introspection_endpoint: `${publicUrl}/oauth/introspect`,
    // Public endpoints: the token itself is the credential (introspection says no more than auth.me tells its holder).
    introspection_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint: `${publicUrl}/oauth/revoke`,
    revocation_endpoint_auth_methods_supported: ['none'],
    dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
  }
}

/**
 * Discovery, `POST /oauth/introspect` (RFC 7662), `POST /oauth/revoke`
 * (RFC 7009), and the JSON 404 for every other API path. Returns false for a
 * path that is none of these (the SPA, the development provider).
 */
export function createStandardsRoutes(services: Services) {
  const { settings } = services
  const discovery = JSON.stringify(discoveryDocument(settings.publicUrl))

  return async function handleStandards(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (DISCOVERY_PATHS.has(path)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD')
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(discovery),
        'cache-control': 'public, max-age=300',
        'access-control-allow-origin': '*',
      })
      res.end(req.method === 'HEAD' ? undefined : discovery)
      return true
    }
    if (path === '/oauth/introspect' || path === '/oauth/revoke') {
      if (applyCors(req, res, settings.corsOrigins)) return true
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST')
      if (path === '/oauth/introspect') await answerForm(services, req, res, 'introspect', introspect)
      else await answerForm(services, req, res, 'revoke', revoke)
      return true
    }
    if (API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
      sendJson(res, 404, { error: 'invalid_request', error_description: 'There is nothing at this address.' })
      return true
    }
    return false
  }
}

/** An RFC endpoint's work: the form's `token` in, the JSON answer out (status 200), or an {@link OAuthError}. */
type FormHandler = (services: Services, token: string, form: URLSearchParams) => Promise<unknown>

/** An RFC 6749 §5.2-style refusal: `{ error, error_description }` with its status. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description)
  }
}

/** RFC 7662: the same judgement as `auth.introspect`, in the RFC's words. */
const introspect: FormHandler = async (services, token) => {
  if (token.length > MAX_ACCESS_TOKEN_LENGTH) return { active: false }
  const result = await introspectToken(services, token)
  if (!result.active) return { active: false }
  return {
    active: true,
    sub: result.sub,
    client_id: result.client_id,
    exp: result.exp,
    iat: result.iat,
    iss: result.iss,
    aud: result.aud,
    jti: result.jti,
    sid: result.sid,
    // RFC 9449 §6.2: a bound token is a DPoP token, with its key's thumbprint.
    ...(result.cnf ? { token_type: 'DPoP', cnf: result.cnf } : { token_type: 'Bearer' }),
  }
}

/**
 * RFC 7009: ends the session of a refresh token (as `auth.logout`, scope local),
 * 200 with an empty object whether or not the token was valid (§2.2: an invalid
 * token is no error; the contract asks 200 for every token). `token_type_hint`
 * is only a hint (§2.1) and changes nothing. An access token given here revokes
 * nothing: it is not a refresh token, so `logout` finds no session for it, and
 * access tokens are not revoked one by one (they expire within the configured
 * lifetime). Not `unsupported_token_type` (§2.2.1): the contract keeps this
 * endpoint's answer the same for every token, so it tells nothing about one.
 */
const revoke: FormHandler = async (services, token) => {
  await logout(services, token)
  return {}
}

/** Counts the call against `limit` (as its tRPC twin), reads the form, and answers as the RFCs say. */
async function answerForm(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
  limit: LimitName,
  handler: FormHandler,
): Promise<void> {
  try {
    await services.limits.consume(limit, clientAddress(req, services.settings.trustProxyHops))
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume()
      throw new OAuthError(415, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded.')
    }
    let form: URLSearchParams
    try {
      form = await readForm(req, MAX_FORM_BYTES)
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error
      res.setHeader('connection', 'close')
      throw new OAuthError(413, 'invalid_request', 'The request body is too large.')
    }
    const tokens = form.getAll('token')
    // RFC 6749 §3.1: a parameter sent twice is malformed.
    if (tokens.length !== 1 || !tokens[0]) throw new OAuthError(400, 'invalid_request', 'Send exactly one token parameter.')
    if (form.getAll('token_type_hint').length > 1) {
      throw new OAuthError(400, 'invalid_request', 'Send token_type_hint at most once.')
    }
    sendJson(res, 200, await handler(services, tokens[0], form))
  } catch (error) {
    if (error instanceof OAuthError) {
      return sendJson(res, error.status, { error: error.error, error_description: error.description })
    }
    if (error instanceof AuthError && error.reason === 'rate_limited') {
      req.resume()
      return sendJson(
        res,
        429,
        { error: 'rate_limited', error_description: error.message },
        { 'retry-after': String(error.retryAfter ?? 60) },
      )
    }
    if (error instanceof StoreUnavailableError || (error instanceof AuthError && error.reason === 'store_unavailable')) {
      return sendJson(
        res,
        503,
        { error: 'store_unavailable', error_description: 'The service cannot reach its state store; try again shortly.' },
        { 'retry-after': '5' },
      )
    }
    throw error
  }
}

/** 405 with `Allow`; true (answered), for the route's return. */
function methodNotAllowed(res: ServerResponse, allow: string): true {
  sendJson(res, 405, { error: 'invalid_request', error_description: `Use ${allow}.` }, { allow })
  return true
}

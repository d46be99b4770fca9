import type { TokenResponse } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import type { Services } from '../services.js'
import type { RefreshRecord } from '../store/index.js'
import { randomSecret, secretKey } from '../tokens/secrets.js'
import { issueTokens, parseRefreshToken, revokeLogin } from './login.js'
import { touchIndex } from './session-index.js'
import { clientTag, openSuccessor, sealSuccessor } from './successor.js'

/**
 * How long after a refresh token is spent the same client may present it again
 * and get the same successor (a network retry, two tabs racing), as Auth0's
 * reuse interval and Supabase's 10 s window do. Past it, or from another
 * client, a spent token is reuse and revokes the login.
 */
export const REFRESH_RETRY_GRACE_MS = 10_000

/** Who is refreshing: the client address (after trusted proxies) and its User-Agent. */
export interface RefreshClient {
  ip: string
  userAgent?: string
}

/**
 * Rotates a refresh token. The token is marked spent in the same atomic step
 * that reads it (and only if it was not spent yet), so of concurrent uses
 * exactly one rotates. A spent token presented again is either a retry by the
 * same client within {@link REFRESH_RETRY_GRACE_MS} (answered with the same
 * successor) or a copy, and then the whole login is revoked.
 */
export async function refreshLogin(services: Services, refreshToken: string, client: RefreshClient): Promise<TokenResponse> {
  // Failures are counted per client address, never on the login id the token names: that id is
  // the public `sid` of every access token, and a count on it lets anyone lock its owner out.
  await services.limits.refuseIfExhausted('refreshFailure', client.ip)
  try {
    return await rotate(services, refreshToken, client)
  } catch (error) {
    if (error instanceof AuthError && error.reason === 'invalid_grant') await services.limits.consume('refreshFailure', client.ip)
    throw error
  }
}

async function rotate(services: Services, refreshToken: string, client: RefreshClient): Promise<TokenResponse> {
  const { store, settings } = services
  const parsed = parseRefreshToken(refreshToken)
  if (!parsed) throw new AuthError('invalid_grant')
  const ttl = settings.refreshTokenTtl * 1000
  const successor = `${parsed.loginId}.${randomSecret(32)}`
  const spent: RefreshRecord = {
    loginId: parsed.loginId,
    spent: true,
    spentAt: services.now(),
    spentBy: clientTag(client.ip, client.userAgent),
    successor: sealSuccessor(refreshToken, successor),
  }
  // Only a token that exists, and is not spent yet, is replaced: a forged `<loginId>.<anything>`
  // writes nothing (it can never be mistaken for the reuse of a real one), and a spent record
  // keeps the successor its first use chose.
  const previous = await store.refreshTokens.swapUnlessFlagged(parsed.key, spent, ttl, 'spent')
  if (!previous || previous.loginId !== parsed.loginId) throw new AuthError('invalid_grant')
  if (previous.spent) return retryOrRevoke(services, refreshToken, previous, spent)
  const login = await store.logins.get(parsed.loginId)
  // Slide the login's lifetime, but never bring back a login revoked meanwhile (by reuse on another request).
  if (!login || !(await store.logins.putIfPresent(parsed.loginId, { ...login, lastUsedAt: services.now() }, ttl))) {
    throw new AuthError('invalid_grant')
  }
  services.logger.info({ loginId: parsed.loginId }, 'refresh token rotated')
  services.metrics.refreshes.inc()
  const [response] = await Promise.all([
    issueTokens(services, parsed.loginId, login.user, successor),
    // The user's session index lives as long as their latest-refreshed login.
    touchIndex(services, login.user.id),
  ])
  // Never answer with tokens of a login revoked meanwhile (a copy of this token used by another client).
  if (!(await store.logins.get(parsed.loginId))) throw new AuthError('invalid_grant')
  return response
}

/**
 * A spent token presented again. The same client within the grace window gets
 * the successor the first use chose (its record written here too, if that first
 * request has not written it yet), with a fresh access token, provided the
 * login is alive and the successor not itself spent. Anything else is reuse.
 *
 * Decision (issue 13 item 9): a grace window rather than only "never answer
 * with tokens of a revoked login", because a retry is the common case (mobile
 * networks, two tabs) and revoking on it signs honest users out. The risk
 * accepted: within 10 s, a thief with the same address and User-Agent as the
 * victim is taken for the victim's retry; from anywhere else it is reuse.
 */
async function retryOrRevoke(
  services: Services,
  refreshToken: string,
  previous: RefreshRecord,
  now: RefreshRecord,
): Promise<TokenResponse> {
  const { store } = services
  const loginId = previous.loginId
  const successor =
    previous.successor &&
    previous.spentBy === now.spentBy &&
    previous.spentAt !== undefined &&
    now.spentAt! - previous.spentAt <= REFRESH_RETRY_GRACE_MS
      ? openSuccessor(refreshToken, previous.successor)
      : undefined
  if (successor?.startsWith(`${loginId}.`)) {
    const ttl = services.settings.refreshTokenTtl * 1000
    const key = secretKey(successor)
    await store.refreshTokens.putIfAbsent(key, { loginId, spent: false }, ttl)
    const [record, login] = await Promise.all([store.refreshTokens.get(key), store.logins.get(loginId)])
    if (record && !record.spent && login) {
      services.logger.info({ loginId }, 'refresh retried within the grace window: same successor')
      const response = await issueTokens(services, loginId, login.user, successor)
      if (await store.logins.get(loginId)) return response
      throw new AuthError('invalid_grant')
    }
  }
  services.metrics.refreshTokenReuse.inc()
  await revokeLogin(services, loginId, 'refresh token reused')
  throw new AuthError('invalid_grant')
}

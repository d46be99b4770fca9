import type { Services } from '../services.js'
import { parseRefreshToken, revokeLogin } from './login.js'

/**
 * Ends the login a refresh token belongs to (spent or not). An unknown token is
 * not an error (as RFC 7009 revocation): there is nothing left to end.
 */
export async function logout(services: Services, refreshToken: string): Promise<{ ok: true }> {
  const parsed = parseRefreshToken(refreshToken)
  if (!parsed) return { ok: true }
  const record = await services.store.refreshTokens.get(parsed.key)
  if (record && record.loginId === parsed.loginId) {
    await revokeLogin(services, record.loginId, 'logout')
    services.metrics.logouts.inc()
  }
  return { ok: true }
}

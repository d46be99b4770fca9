import type { LogoutScope } from '@boarding-pass/shared'
import type { Services } from '../services.js'
import { parseRefreshToken, revokeLogin } from './login.js'
import { endSessions } from './sessions.js'

/**
 * Ends the login a refresh token belongs to (spent or not), and with `scope`
 * `"others"` or `"global"` the user's other sessions too. An unknown token is
 * not an error (as RFC 7009 revocation): there is nothing left to end.
 *
 * Only the live refresh token of a live login speaks for the user's other
 * sessions: a spent one (an old copy, maybe stolen) ends its own login, as
 * presenting it to `auth.refresh` would, and nothing else.
 */
export async function logout(services: Services, refreshToken: string, scope: LogoutScope = 'local'): Promise<{ ok: true }> {
  const parsed = parseRefreshToken(refreshToken)
  if (!parsed) return { ok: true }
  const record = await services.store.refreshTokens.get(parsed.key)
  if (!record || record.loginId !== parsed.loginId) return { ok: true }
  const login = await services.store.logins.get(record.loginId)
  if (!login) return { ok: true }
  if (scope === 'local' || record.spent) await revokeLogin(services, record.loginId, 'logout', login.user.id)
  else await endSessions(services, login.user.id, record.loginId, scope)
  services.metrics.logouts.inc()
  return { ok: true }
}

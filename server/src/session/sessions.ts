import type { LogoutScope, SessionsOutput } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import type { Services } from '../services.js'
import type { AuthenticatedLogin } from './authenticate.js'
import { revokeLogin } from './login.js'
import { liveSessions } from './session-index.js'

/**
 * `auth.sessions`: the caller's live sessions (every login of the same user
 * id), newest first; `current` marks the one whose access token made the call.
 * Reading prunes the index of logins that have ended.
 */
export async function listSessions(services: Services, caller: AuthenticatedLogin): Promise<SessionsOutput> {
  const live = await liveSessions(services, caller.user.id)
  live.sort((a, b) => b.login.createdAt - a.login.createdAt || a.loginId.localeCompare(b.loginId))
  return {
    sessions: live.map(({ loginId, login }) => ({
      id: loginId,
      provider: login.user.provider,
      createdAt: new Date(login.createdAt).toISOString(),
      lastUsedAt: new Date(login.lastUsedAt ?? login.createdAt).toISOString(),
      current: loginId === caller.loginId,
      ...(login.deviceName ? { deviceName: login.deviceName } : {}),
      ...(login.userAgent ? { userAgent: login.userAgent } : {}),
    })),
  }
}

/**
 * `auth.revokeSession`: ends one of the caller's sessions, on every instance
 * at once. A session id that is unknown, already ended or another user's gets
 * the same `invalid_request`: the answer never tells whether an id exists.
 */
export async function revokeSession(services: Services, caller: AuthenticatedLogin, sessionId: string): Promise<{ ok: true }> {
  const login = await services.store.logins.get(sessionId)
  if (!login || login.user.id !== caller.user.id) throw new AuthError('invalid_request', 'No such session.')
  await revokeLogin(services, sessionId, 'session revoked by its user', caller.user.id)
  return { ok: true }
}

/**
 * Ends the sessions of `userId` that `scope` names, relative to `loginId`:
 * `local` that one, `others` every other, `global` all of them.
 */
export async function endSessions(services: Services, userId: string, loginId: string, scope: LogoutScope): Promise<void> {
  if (scope === 'local') return revokeLogin(services, loginId, 'logout', userId)
  const live = await liveSessions(services, userId)
  const ending = live.map((session) => session.loginId).filter((id) => scope === 'global' || id !== loginId)
  if (scope === 'global' && !ending.includes(loginId)) ending.push(loginId)
  await Promise.all(ending.map((id) => revokeLogin(services, id, `logout (${scope})`, userId)))
}

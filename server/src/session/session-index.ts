import type { Services } from '../services.js'
import { StoreUnavailableError, type LoginRecord } from '../store/index.js'

/**
 * The most sessions one user keeps. Past it, opening another ends the least
 * recently used (the one refreshed longest ago): a user who signs in from
 * scripts or fresh browsers again and again is never refused, and the session
 * ended is the one most likely abandoned. It bounds the index (one map per
 * user, at most this many fields) and the work of listing it.
 */
export const MAX_SESSIONS_PER_USER = 100

/**
 * Entries an index may hold before opening a login prunes it. Below this, a
 * login costs one round trip to the index (set, keep, count) and no reads: a
 * user's few devices never pay for pruning, and ended logins in a small index
 * cost a few bytes until it is next read (`auth.sessions`) or expires.
 */
export const PRUNE_ABOVE = 16

/** A live session: its login id and record. */
export interface LiveSession {
  loginId: string
  login: LoginRecord
}

/**
 * Adds a login (its record already written) to its user's index, prunes the
 * index once it holds more than {@link PRUNE_ABOVE} entries, and returns the
 * logins past {@link MAX_SESSIONS_PER_USER} that the caller must end (the
 * least recently used; never this one). Pruning is skipped, not failed, when
 * the store cannot read every one of the user's logins (on a Redis Cluster,
 * one of them on a master that is away): it refuses no sign-in.
 *
 * The per-user session index (`store.sessionIndex`): which logins a user has.
 * The login records stay the truth (a login is alive while its record exists);
 * the index only says where to look, and is pruned of logins that ended
 * (expired, revoked on another path) whenever it is read, and when a write
 * finds it larger than {@link PRUNE_ABOVE}.
 *
 * Order matters across instances: a login record is written before its index
 * entry and deleted before its entry is removed, so a concurrent prune never
 * drops the entry of a login that exists.
 */
export async function indexLogin(services: Services, loginId: string, login: LoginRecord): Promise<string[]> {
  const ttl = services.settings.refreshTokenTtl * 1000
  const size = await services.store.sessionIndex.set(login.user.id, loginId, String(login.createdAt), ttl)
  if (size <= PRUNE_ABOVE) return []
  let live: LiveSession[]
  try {
    live = await liveSessions(services, login.user.id)
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error
    // One of the user's other logins is on a shard that is away (a failover under way): the new login
    // stands, indexed; pruning and the cap wait for the next sign-in rather than refusing this one.
    services.logger.warn({ loginId }, 'session index not pruned: the store did not answer for every login')
    return []
  }
  if (live.length <= MAX_SESSIONS_PER_USER) return []
  return live
    .filter((session) => session.loginId !== loginId)
    .sort((a, b) => lastUsed(a.login) - lastUsed(b.login))
    .slice(0, live.length - MAX_SESSIONS_PER_USER)
    .map((session) => session.loginId)
}

/** The user's live sessions (unordered); index entries of logins that no longer exist are removed on the way. */
export async function liveSessions(services: Services, userId: string): Promise<LiveSession[]> {
  const { store } = services
  const entries = Object.keys(await store.sessionIndex.getAll(userId))
  const logins = await Promise.all(entries.map((loginId) => store.logins.get(loginId)))
  const live: LiveSession[] = []
  const dead: string[] = []
  entries.forEach((loginId, i) => {
    const login = logins[i]
    // A record of another user under an indexed id cannot happen (ids are random); treat it as not this user's.
    if (login && login.user.id === userId) live.push({ loginId, login })
    else dead.push(loginId)
  })
  await store.sessionIndex.delete(userId, dead)
  return live
}

/** Drops ended logins from the user's index. */
export async function unindexLogins(services: Services, userId: string, loginIds: string[]): Promise<void> {
  await services.store.sessionIndex.delete(userId, loginIds)
}

/** Keeps the user's index as long as their latest-refreshed login (every login has the same lifetime). */
export async function touchIndex(services: Services, userId: string): Promise<void> {
  await services.store.sessionIndex.touch(userId, services.settings.refreshTokenTtl * 1000)
}

function lastUsed(login: LoginRecord): number {
  return login.lastUsedAt ?? login.createdAt
}

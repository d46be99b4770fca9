import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../logger.js'
import type { Services } from '../services.js'
import { StoreUnavailableError, createStore, type LoginRecord, type Store } from '../store/index.js'
import { revokeLogin } from './login.js'
import { MAX_SESSIONS_PER_USER, PRUNE_ABOVE, indexLogin, liveSessions } from './session-index.js'
import { endSessions } from './sessions.js'

/** The per-user session index, in-process: correct under revocation and expiry, and bounded. */
describe('session index', () => {
  let store: Store | undefined
  afterEach(() => store?.close())

  async function services(): Promise<Services> {
    store = await createStore({ maxPendingFlows: 1_000 })
    return {
      store,
      settings: { refreshTokenTtl: 3_600 },
      logger: createLogger('silent'),
      now: () => Date.now(),
    } as unknown as Services
  }
  const user = (id: string) => ({ id, provider: 'acme' })
  let clock = 1_700_000_000_000
  async function open(services: Services, userId: string, loginId: string, ttlMs = 3_600_000): Promise<LoginRecord> {
    const login: LoginRecord = { user: user(userId), createdAt: clock, lastUsedAt: clock++ }
    await services.store.logins.put(loginId, login, ttlMs)
    expect(await indexLogin(services, loginId, login)).toEqual([])
    return login
  }
  const ids = async (services: Services, userId: string) =>
    (await liveSessions(services, userId)).map((session) => session.loginId).sort()
  const indexed = async (services: Services, userId: string) =>
    Object.keys(await services.store.sessionIndex.getAll(userId)).sort()

  it('one key per user, named with the user id as a hash tag', async () => {
    const s = await services()
    expect(s.store.sessionIndex.keyOf('acme:sam')).toBe('bp:sessions:{acme:sam}')
  })

  it('lists each user’s own logins; a revoked one leaves the index', async () => {
    const s = await services()
    await open(s, 'acme:sam', 'sam-1'.padEnd(22, 'x'))
    await open(s, 'acme:sam', 'sam-2'.padEnd(22, 'x'))
    await open(s, 'acme:kim', 'kim-1'.padEnd(22, 'x'))
    expect(await ids(s, 'acme:sam')).toEqual(['sam-1'.padEnd(22, 'x'), 'sam-2'.padEnd(22, 'x')])
    await revokeLogin(s, 'sam-1'.padEnd(22, 'x'), 'test')
    expect(await indexed(s, 'acme:sam')).toEqual(['sam-2'.padEnd(22, 'x')])
    expect(await ids(s, 'acme:kim')).toEqual(['kim-1'.padEnd(22, 'x')])
  })

  it('a login that expired (its record gone, no revocation) is pruned when the index is read', async () => {
    const s = await services()
    await open(s, 'acme:ada', 'short'.padEnd(22, 'x'), 30)
    await open(s, 'acme:ada', 'long'.padEnd(22, 'x'))
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(await indexed(s, 'acme:ada')).toHaveLength(2)
    expect(await ids(s, 'acme:ada')).toEqual(['long'.padEnd(22, 'x')])
    expect(await indexed(s, 'acme:ada')).toEqual(['long'.padEnd(22, 'x')])
  })

  it(`… and when it is written past ${PRUNE_ABOVE} entries (a new login prunes the dead ones), not before`, async () => {
    const s = await services()
    for (let i = 0; i < PRUNE_ABOVE - 1; i++) await open(s, 'acme:bo', `short-${i}`.padEnd(22, 'x'), 30)
    await new Promise((resolve) => setTimeout(resolve, 60))
    await open(s, 'acme:bo', 'new'.padEnd(22, 'x'))
    expect(await indexed(s, 'acme:bo')).toHaveLength(PRUNE_ABOVE)
    await open(s, 'acme:bo', 'newer'.padEnd(22, 'x'))
    expect(await indexed(s, 'acme:bo')).toEqual(['newer'.padEnd(22, 'x'), 'new'.padEnd(22, 'x')])
  })

  it(`bounded: past ${MAX_SESSIONS_PER_USER} sessions, opening one names the least recently used to end (never the new one)`, async () => {
    const s = await services()
    for (let i = 0; i < MAX_SESSIONS_PER_USER; i++) await open(s, 'acme:busy', `busy-${i}`.padEnd(22, 'x'))
    // The first one was used recently: the second is now the idlest.
    const first = await s.store.logins.get('busy-0'.padEnd(22, 'x'))
    await s.store.logins.put('busy-0'.padEnd(22, 'x'), { ...first!, lastUsedAt: clock + 1_000_000 }, 3_600_000)
    const login: LoginRecord = { user: user('acme:busy'), createdAt: clock, lastUsedAt: clock }
    await s.store.logins.put('busy-new'.padEnd(22, 'x'), login, 3_600_000)
    expect(await indexLogin(s, 'busy-new'.padEnd(22, 'x'), login)).toEqual(['busy-1'.padEnd(22, 'x')])
  })

  it('endSessions: "others" keeps the given login, "global" ends all, and both clear the index', async () => {
    const s = await services()
    for (const id of ['a', 'b', 'c']) await open(s, 'acme:eve', id.padEnd(22, 'x'))
    await endSessions(s, 'acme:eve', 'b'.padEnd(22, 'x'), 'others')
    expect(await indexed(s, 'acme:eve')).toEqual(['b'.padEnd(22, 'x')])
    expect(await s.store.logins.get('a'.padEnd(22, 'x'))).toBeUndefined()
    await endSessions(s, 'acme:eve', 'b'.padEnd(22, 'x'), 'global')
    expect(await indexed(s, 'acme:eve')).toEqual([])
    expect(await s.store.logins.get('b'.padEnd(22, 'x'))).toBeUndefined()
  })

  it('a login is indexed, not refused, when another of the user’s logins cannot be read (a shard away); pruning waits', async () => {
    const s = await services()
    const away = 'away'.padEnd(22, 'x')
    for (let i = 0; i < PRUNE_ABOVE; i++) await open(s, 'acme:lou', `lou-${i}`.padEnd(22, 'x'))
    await s.store.logins.put(away, { user: user('acme:lou'), createdAt: clock }, 3_600_000)
    await s.store.sessionIndex.set('acme:lou', away, String(clock), 3_600_000)
    const get = s.store.logins.get.bind(s.store.logins)
    s.store.logins.get = async (loginId: string) => {
      if (loginId === away) throw new StoreUnavailableError()
      return get(loginId)
    }
    const fresh = 'fresh'.padEnd(22, 'x')
    const login: LoginRecord = { user: user('acme:lou'), createdAt: clock, lastUsedAt: clock++ }
    await s.store.logins.put(fresh, login, 3_600_000)
    expect(await indexLogin(s, fresh, login)).toEqual([])
    expect(await indexed(s, 'acme:lou')).toContain(fresh)
    // Other failures are not swallowed.
    s.store.logins.get = async () => {
      throw new Error('a bug')
    }
    await expect(indexLogin(s, 'other'.padEnd(22, 'x'), login)).rejects.toThrow('a bug')
  })
})

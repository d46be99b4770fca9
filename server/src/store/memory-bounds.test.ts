import { afterEach, describe, expect, it } from 'vitest'
import { createStore, StoreUnavailableError, type Store } from './index.js'

/**
 * Issue 13 item 4: in-process, logins, refresh records and the key set shared
 * one LRU of 100,000, so 104,000 refreshes by one user evicted another's login.
 * Each kind now has its own bound: keys are never evicted, spent-token markers
 * are evicted among themselves, and logins that cannot fit are refused.
 */
describe('in-process store bounds', () => {
  let store: Store | undefined
  afterEach(() => store?.close())

  const DAY = 86_400_000
  const user = { id: 'acme:victim', provider: 'acme' }
  const hash = (i: number) => `spent-${String(i).padStart(37, '0')}`

  it('at the real default: 104,000 spent refresh tokens of one user evict neither another user’s login nor the keys', async () => {
    store = await createStore({ maxPendingFlows: 100_000 })
    await store.logins.put('victim-login-00000000', { user, createdAt: 1 }, 30 * DAY)
    await store.keySets.put('current', { keys: [] }, 365 * DAY)
    for (let i = 0; i < 104_000; i++) {
      await store.refreshTokens.put(hash(i), { loginId: 'churner-login-0000000', spent: true }, 30 * DAY)
    }
    expect(await store.logins.get('victim-login-00000000')).toEqual({ user, createdAt: 1 })
    expect(await store.keySets.get('current')).toEqual({ keys: [] })
    // The newest markers are kept (reuse detection for recent tokens); the oldest may go.
    expect(await store.refreshTokens.get(hash(103_999))).toEqual({ loginId: 'churner-login-0000000', spent: true })
  }, 30_000)

  it('logins past the bound are refused (store_unavailable), never evicted; an update of a login that exists still works', async () => {
    store = await createStore({ maxPendingFlows: 1_000, maxLogins: 100 })
    for (let i = 0; i < 100; i++) await store.logins.put(`login-${i}`, { user, createdAt: i }, DAY)
    await expect(store.logins.put('login-100', { user, createdAt: 100 }, DAY)).rejects.toBeInstanceOf(StoreUnavailableError)
    for (let i = 0; i < 100; i++) expect(await store.logins.get(`login-${i}`)).toBeDefined()
    expect(await store.logins.putIfPresent('login-0', { user, createdAt: 0, lastUsedAt: 5 }, DAY)).toBe(true)
    await store.logins.delete('login-1')
    await store.logins.put('login-100', { user, createdAt: 100 }, DAY)
  })

  it('live refresh tokens of ended logins make room for new ones; live tokens of live logins are never evicted', async () => {
    store = await createStore({ maxPendingFlows: 1_000, maxLogins: 10 })
    await store.logins.put('alive', { user, createdAt: 0 }, DAY)
    await store.refreshTokens.put('alive-token', { loginId: 'alive', spent: false }, DAY)
    // Churn: logins opened and ended, each leaving its live refresh token behind.
    for (let i = 0; i < 200; i++) {
      await store.logins.put(`gone-${i}`, { user, createdAt: i }, DAY)
      await store.refreshTokens.put(`gone-token-${i}`, { loginId: `gone-${i}`, spent: false }, DAY)
      await store.logins.delete(`gone-${i}`)
    }
    expect(await store.refreshTokens.get('alive-token')).toEqual({ loginId: 'alive', spent: false })
  })

  it('spent markers have their own bound: past it the oldest go, and nothing else', async () => {
    store = await createStore({ maxPendingFlows: 1_000, maxLogins: 10 })
    await store.logins.put('alive', { user, createdAt: 0 }, DAY)
    await store.refreshTokens.put('alive-token', { loginId: 'alive', spent: false }, DAY)
    for (let i = 0; i < 1_000; i++) await store.refreshTokens.put(hash(i), { loginId: 'alive', spent: true }, DAY)
    expect(await store.refreshTokens.get(hash(0))).toBeUndefined()
    expect(await store.refreshTokens.get(hash(999))).toBeDefined()
    expect(await store.refreshTokens.get('alive-token')).toEqual({ loginId: 'alive', spent: false })
    expect(await store.logins.get('alive')).toBeDefined()
  })
})

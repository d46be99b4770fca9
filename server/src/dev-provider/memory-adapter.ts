import { LRUCache } from 'lru-cache'
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider'

/** Most records (sessions, interactions, grants, codes, tokens) one development provider keeps. */
const MAX_ENTRIES = 10_000
/** How long a record without its own lifetime is kept. */
const DEFAULT_TTL_MS = 3_600_000

/**
 * The development provider's storage: this process's memory, bounded, each
 * record until its own expiry. In memory by design: the development provider
 * signs people in on one machine, and a restart forgetting its sessions is the
 * point. Given explicitly (oidc-provider's `adapter` setting) rather than left
 * to oidc-provider's built-in default, which warns at every start that it is
 * in memory.
 */
export function createMemoryAdapter(): AdapterFactory {
  const records = new LRUCache<string, AdapterPayload>({ max: MAX_ENTRIES })
  /** `uid:<uid>` and `userCode:<code>` → the record's id. */
  const lookups = new LRUCache<string, string>({ max: MAX_ENTRIES })
  /** grantId → keys of the records issued under it (codes, tokens), for revokeByGrantId. */
  const grants = new LRUCache<string, Set<string>>({ max: MAX_ENTRIES })

  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`
    const find = async (id: string | undefined) => (id === undefined ? undefined : records.get(keyOf(id)))
    return {
      async upsert(id, payload, expiresIn) {
        const ttl = expiresIn && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_TTL_MS
        records.set(keyOf(id), payload, { ttl })
        if (model === 'Session' && payload.uid) lookups.set(`uid:${payload.uid}`, id, { ttl })
        if (payload.userCode) lookups.set(`userCode:${payload.userCode}`, id, { ttl })
        if (payload.grantId) {
          const members = grants.get(payload.grantId) ?? new Set<string>()
          grants.set(payload.grantId, members.add(keyOf(id)))
        }
      },
      find,
      findByUid: async (uid) => find(lookups.get(`uid:${uid}`)),
      findByUserCode: async (userCode) => find(lookups.get(`userCode:${userCode}`)),
      async consume(id) {
        const record = records.get(keyOf(id))
        if (record) record.consumed = Math.floor(Date.now() / 1000)
      },
      async destroy(id) {
        records.delete(keyOf(id))
      },
      async revokeByGrantId(grantId) {
        for (const key of grants.get(grantId) ?? []) records.delete(key)
        grants.delete(grantId)
      },
    }
  }
}

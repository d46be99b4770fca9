import { LRUCache } from 'lru-cache'
import type { KeyvStoreAdapter } from 'keyv'
import type { AtomicOps } from './table.js'

/**
 * An in-process keyv store with a hard bound: at most `max` records; the least
 * recently used go first, so a flood of abandoned logins cannot grow memory
 * without limit. Node runs one callback at a time, so each operation here is
 * atomic as it stands.
 */
export class BoundedMemoryStore implements AtomicOps {
  private readonly cache: LRUCache<string, NonNullable<unknown>>

  constructor(max: number) {
    this.cache = new LRUCache({ max, ttlAutopurge: false, allowStale: false })
  }

  /** The keyv adapter over the same records (keyv passes a TTL in ms as a number). */
  readonly adapter = {
    get: (key: string) => this.cache.get(key),
    set: (key: string, value: NonNullable<unknown>, ttl?: number) => {
      this.cache.set(key, value, { ttl: ttl ?? 0 })
      return true
    },
    delete: (key: string) => this.cache.delete(key),
    clear: () => this.cache.clear(),
    has: (key: string) => this.cache.has(key),
    on: () => this.adapter,
  } as unknown as KeyvStoreAdapter

  get size(): number {
    return this.cache.size
  }

  async getDel(key: string): Promise<unknown> {
    const value = this.cache.get(key)
    this.cache.delete(key)
    return value
  }

  async setGet(key: string, raw: unknown, ttlMs: number): Promise<unknown> {
    const previous = this.cache.get(key)
    this.cache.set(key, raw as NonNullable<unknown>, { ttl: ttlMs })
    return previous
  }

  async setXxGet(key: string, raw: unknown, ttlMs: number): Promise<unknown> {
    const previous = this.cache.get(key)
    if (previous === undefined) return undefined
    this.cache.set(key, raw as NonNullable<unknown>, { ttl: ttlMs })
    return previous
  }

  async setNx(key: string, raw: unknown, ttlMs: number): Promise<boolean> {
    if (this.cache.has(key)) return false
    this.cache.set(key, raw as NonNullable<unknown>, { ttl: ttlMs })
    return true
  }

  async setXx(key: string, raw: unknown, ttlMs: number): Promise<boolean> {
    if (!this.cache.has(key)) return false
    this.cache.set(key, raw as NonNullable<unknown>, { ttl: ttlMs })
    return true
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

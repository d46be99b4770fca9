import { withDeadline } from './deadline.js'
import { StoreUnavailableError } from './errors.js'

/**
 * What a backend offers for small per-owner maps (Redis hashes): each verb is
 * one atomic step across every instance that shares the backend.
 */
export interface HashOps {
  /**
   * Sets `field` of the map under `key` and (re)sets the whole map's lifetime, in one step
   * (on Redis one script: HSET + PEXPIRE + HLEN); resolves to how many fields the map then holds.
   */
  hashSet(key: string, field: string, value: string, ttlMs: number): Promise<number>
  /** Removes `fields` from the map under `key`; absent ones are not an error (HDEL). */
  hashDelete(key: string, fields: string[]): Promise<void>
  /** Every field of the map under `key`; `{}` when there is none (HGETALL). */
  hashGetAll(key: string): Promise<Record<string, string>>
  /** Extends the map's lifetime to `ttlMs` from now, if it exists (PEXPIRE). */
  hashTouch(key: string, ttlMs: number): Promise<void>
}

/**
 * Maps of string fields, one per owner: what the store keeps when many small
 * facts belong to one owner and must be changed one at a time without a
 * read-modify-write race (the per-user session index). Each owner's map is one
 * key, `bp:<kind>:{<owner>}`: the owner in braces is a Redis Cluster hash tag.
 *
 * @example
 * ```ts
 * await store.sessionIndex.set(user.id, loginId, String(createdAt), ttlMs)
 * const entries = await store.sessionIndex.getAll(user.id) // { [loginId]: '1764…' }
 * ```
 */
export class Hashes {
  constructor(
    private readonly ops: HashOps,
    private readonly kind: string,
    private readonly timeoutMs?: number,
  ) {}

  /** The key of `owner`'s map. */
  keyOf(owner: string): string {
    return `bp:${this.kind}:{${owner}}`
  }

  /** Sets one field, and keeps the map for `ttlMs` from now; resolves to how many fields the map then holds. */
  async set(owner: string, field: string, value: string, ttlMs: number): Promise<number> {
    return this.guard(this.ops.hashSet(this.keyOf(owner), field, value, ttlMs))
  }

  /** Removes fields (absent ones are fine). */
  async delete(owner: string, fields: string[]): Promise<void> {
    if (fields.length === 0) return
    await this.guard(this.ops.hashDelete(this.keyOf(owner), fields))
  }

  /** Every field of `owner`'s map. */
  async getAll(owner: string): Promise<Record<string, string>> {
    return this.guard(this.ops.hashGetAll(this.keyOf(owner)))
  }

  /** Keeps `owner`'s map for `ttlMs` from now (if it exists). */
  async touch(owner: string, ttlMs: number): Promise<void> {
    await this.guard(this.ops.hashTouch(this.keyOf(owner), ttlMs))
  }

  private async guard<R>(operation: Promise<R>): Promise<R> {
    try {
      return await withDeadline(operation, this.timeoutMs)
    } catch (error) {
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError({ cause: error })
    }
  }
}

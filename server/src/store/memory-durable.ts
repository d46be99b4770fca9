import { LRUCache } from 'lru-cache'
import type { KeyvStoreAdapter } from 'keyv'
import { StoreFullError } from './errors.js'
import type { HashOps } from './hashes.js'
import type { AtomicOps } from './table.js'

/** How many of each durable kind the in-process store holds, derived from one setting. */
export interface DurableBounds {
  /** Signed-in logins (AUTH_MAX_LOGINS). Past it, new logins are refused. */
  logins: number
  /** Live (unspent) refresh tokens: twice the logins (room for rotations in flight). */
  liveRefreshTokens: number
  /** Spent refresh-token markers (reuse detection): twice the logins; past it the oldest go. */
  spentRefreshTokens: number
  /** Per-user session indexes: one per user with a login, so at most the logins. */
  sessionIndexes: number
}

/** The bounds for `maxLogins` logins. */
export function durableBounds(maxLogins: number): DurableBounds {
  return {
    logins: maxLogins,
    liveRefreshTokens: 2 * maxLogins,
    spentRefreshTokens: 2 * maxLogins,
    sessionIndexes: maxLogins,
  }
}

/** Key prefixes of the durable kinds (as `store/index.ts` names them). */
export interface DurablePrefixes {
  keys: string
  logins: string
  refreshTokens: string
  sessionIndex: string
}

/** A sweep of dead records runs at most this often when a partition is full (a full scan is O(n)). */
const SWEEP_INTERVAL_MS = 1_000

/** Signing keys: a handful of records, never evicted (refused past this, which cannot happen). */
const MAX_KEY_RECORDS = 1_000

/**
 * The in-process store for what must outlive a request: signing keys, logins,
 * refresh tokens, session indexes. Each kind has its own bound, so no kind can
 * push another out (issue 13 item 4: one shared LRU let 104,000 refreshes of
 * one user evict another's login):
 *
 * - keys are never evicted;
 * - logins are never evicted: past the bound a new login is refused with
 *   {@link StoreFullError} (`store_unavailable`), loudly, instead of silently
 *   signing someone else out;
 * - live refresh tokens and session indexes are never evicted while their
 *   login lives; when full, those of ended logins are swept, else refused;
 * - spent refresh-token markers (kept for reuse detection) have a bound of
 *   their own and the oldest go first: an old stolen token replayed after its
 *   marker went is still refused (`invalid_grant`), it only no longer revokes.
 *
 * Node runs one callback at a time, so each operation is atomic as it stands.
 */
export class DurableMemoryStore implements AtomicOps, HashOps {
  private readonly keys: Partition
  private readonly logins: Partition
  private readonly liveRefresh: Partition
  private readonly spentRefresh: Partition
  private readonly sessionIndexes: Partition
  private readonly other: Partition

  constructor(
    bounds: DurableBounds,
    private readonly prefixes: DurablePrefixes,
  ) {
    this.keys = new Partition('signing key sets', MAX_KEY_RECORDS, 'refuse')
    this.logins = new Partition('logins', bounds.logins, 'refuse')
    const loginIsGone = (loginId: unknown) => typeof loginId !== 'string' || !this.logins.has(prefixes.logins + loginId)
    this.liveRefresh = new Partition('live refresh tokens', bounds.liveRefreshTokens, 'refuse', (raw) =>
      loginIsGone(recordOf(raw)?.loginId),
    )
    this.spentRefresh = new Partition('spent refresh-token markers', bounds.spentRefreshTokens, 'evict')
    this.sessionIndexes = new Partition('session indexes', bounds.sessionIndexes, 'refuse', (map) =>
      [...(map as Map<string, string>).keys()].every(loginIsGone),
    )
    this.other = new Partition('records', bounds.logins, 'refuse')
  }

  /** The keyv adapter over the same records (keyv passes a TTL in ms as a number). */
  readonly adapter = {
    get: (key: string) => this.read(key),
    set: (key: string, value: NonNullable<unknown>, ttl?: number) => {
      this.write(key, value, ttl ?? 0)
      return true
    },
    delete: (key: string) => this.remove(key),
    clear: () => {
      for (const partition of this.partitions()) partition.clear()
    },
    has: (key: string) => this.read(key) !== undefined,
    on: () => this.adapter,
  } as unknown as KeyvStoreAdapter

  /** How many records of each kind it holds (for tests and metrics). */
  get sizes(): Record<string, number> {
    return Object.fromEntries(this.partitions().map((partition) => [partition.kind, partition.size]))
  }

  async getDel(key: string): Promise<unknown> {
    const value = this.read(key)
    this.remove(key)
    return value
  }

  async setGet(key: string, raw: unknown, ttlMs: number): Promise<unknown> {
    const previous = this.read(key)
    this.write(key, raw, ttlMs)
    return previous
  }

  async setXxGet(key: string, raw: unknown, ttlMs: number): Promise<unknown> {
    const previous = this.read(key)
    if (previous !== undefined) this.write(key, raw, ttlMs)
    return previous
  }

  async setNx(key: string, raw: unknown, ttlMs: number): Promise<boolean> {
    if (this.read(key) !== undefined) return false
    this.write(key, raw, ttlMs)
    return true
  }

  async setXx(key: string, raw: unknown, ttlMs: number): Promise<boolean> {
    if (this.read(key) === undefined) return false
    this.write(key, raw, ttlMs)
    return true
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number): Promise<number> {
    const partition = this.partitionOf(key)
    const map = (partition.get(key) as Map<string, string> | undefined) ?? new Map<string, string>()
    map.set(field, value)
    partition.set(key, map, ttlMs)
    return map.size
  }

  async hashDelete(key: string, fields: string[]): Promise<void> {
    const partition = this.partitionOf(key)
    const map = partition.get(key) as Map<string, string> | undefined
    if (!map) return
    for (const field of fields) map.delete(field)
    if (map.size === 0) partition.delete(key)
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return Object.fromEntries((this.partitionOf(key).get(key) as Map<string, string> | undefined) ?? [])
  }

  async hashTouch(key: string, ttlMs: number): Promise<void> {
    const partition = this.partitionOf(key)
    const map = partition.get(key)
    if (map) partition.set(key, map, ttlMs)
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private read(key: string): unknown {
    if (key.startsWith(this.prefixes.refreshTokens)) return this.liveRefresh.get(key) ?? this.spentRefresh.get(key)
    return this.partitionOf(key).get(key)
  }

  private write(key: string, raw: unknown, ttlMs: number): void {
    if (key.startsWith(this.prefixes.refreshTokens)) {
      // A refresh record lives in one partition: live until spent, then among the spent markers.
      const [to, from] =
        recordOf(raw)?.spent === true ? [this.spentRefresh, this.liveRefresh] : [this.liveRefresh, this.spentRefresh]
      to.set(key, raw as NonNullable<unknown>, ttlMs)
      from.delete(key)
      return
    }
    this.partitionOf(key).set(key, raw as NonNullable<unknown>, ttlMs)
  }

  private remove(key: string): boolean {
    if (key.startsWith(this.prefixes.refreshTokens)) {
      const live = this.liveRefresh.delete(key)
      return this.spentRefresh.delete(key) || live
    }
    return this.partitionOf(key).delete(key)
  }

  private partitionOf(key: string): Partition {
    if (key.startsWith(this.prefixes.logins)) return this.logins
    if (key.startsWith(this.prefixes.sessionIndex)) return this.sessionIndexes
    if (key.startsWith(this.prefixes.keys)) return this.keys
    return this.other
  }

  private partitions(): Partition[] {
    return [this.keys, this.logins, this.liveRefresh, this.spentRefresh, this.sessionIndexes, this.other]
  }
}

/** One kind of record with its own bound. */
class Partition {
  private readonly cache: LRUCache<string, NonNullable<unknown>>
  private lastSweep = 0
  private lastSweepFreed = 0

  constructor(
    readonly kind: string,
    private readonly max: number,
    private readonly whenFull: 'evict' | 'refuse',
    /** Whether a record may go when the partition is full (its login has ended). */
    private readonly isDead?: (value: unknown) => boolean,
  ) {
    this.cache = new LRUCache({ max, ttlAutopurge: false, allowStale: false })
  }

  get size(): number {
    return this.cache.size
  }

  has(key: string): boolean {
    return this.cache.has(key)
  }

  get(key: string): unknown {
    return this.cache.get(key)
  }

  set(key: string, value: NonNullable<unknown>, ttlMs: number): void {
    if (this.whenFull === 'refuse' && this.cache.size >= this.max && !this.cache.has(key) && !this.makeRoom()) {
      throw new StoreFullError(this.kind)
    }
    this.cache.set(key, value, { ttl: ttlMs })
  }

  delete(key: string): boolean {
    return this.cache.delete(key)
  }

  clear(): void {
    this.cache.clear()
  }

  /**
   * Drops expired records, then records whose login has ended; true if there is
   * room now. A sweep is a full scan: after one that freed nothing, the next
   * waits {@link SWEEP_INTERVAL_MS}, so a full store of live records does not
   * turn each refused request into a scan.
   */
  private makeRoom(): boolean {
    this.cache.purgeStale()
    const now = Date.now()
    const due = this.lastSweepFreed > 0 || now - this.lastSweep >= SWEEP_INTERVAL_MS
    if (this.cache.size >= this.max && this.isDead && due) {
      this.lastSweep = now
      const dead: string[] = []
      for (const [key, value] of this.cache.entries()) if (this.isDead(value)) dead.push(key)
      for (const key of dead) this.cache.delete(key)
      this.lastSweepFreed = dead.length
    }
    return this.cache.size < this.max
  }
}

/** The `value` of a stored record (keyv's JSON `{ value, expires }`), or undefined. */
function recordOf(raw: unknown): Record<string, unknown> | undefined {
  if (typeof raw !== 'string') return undefined
  try {
    const data = JSON.parse(raw) as { value?: unknown }
    return data.value && typeof data.value === 'object' ? (data.value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

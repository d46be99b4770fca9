import type { Keyv } from 'keyv'
import { withDeadline } from './deadline.js'
import { StoreUnavailableError } from './errors.js'

/**
 * What a backend adds to keyv: the operations keyv has no verb for, each atomic
 * across every instance that shares the backend.
 */
export interface AtomicOps {
  /** Reads and deletes in one step (Redis GETDEL): at most one caller gets the value. */
  getDel(key: string): Promise<unknown>
  /** Writes and returns the previous value in one step (Redis SET … GET). */
  setGet(key: string, raw: unknown, ttlMs: number): Promise<unknown>
  /** Like {@link setGet}, but writes nothing when the key is absent (Redis SET … XX GET). */
  setXxGet(key: string, raw: unknown, ttlMs: number): Promise<unknown>
  /** Writes only when the key is absent (Redis SET … NX); true when written. */
  setNx(key: string, raw: unknown, ttlMs: number): Promise<boolean>
  /** Writes only when the key exists (Redis SET … XX); true when written. */
  setXx(key: string, raw: unknown, ttlMs: number): Promise<boolean>
  /**
   * Plain reads, writes and deletes of keyv's record text, straight to the
   * backend's client (Redis GET, SET PX, DEL): the same bytes keyv reads and
   * writes, without keyv's hooks, statistics and promise hops on every call.
   * Backends without them (in-process) go through keyv.
   */
  readRaw?(key: string): Promise<string | null | undefined>
  writeRaw?(key: string, raw: string, ttlMs: number): Promise<void>
  deleteRaw?(key: string): Promise<void>
}

/** Told of each table operation: the table (its key prefix's name), the verb, its duration in seconds, and whether it failed. */
export type StoreObserver = (table: string, op: string, seconds: number, failed: boolean) => void

/**
 * One kind of record (flows, server codes, logins, …) under its own key prefix.
 * The only code that touches keyv; its verbs say what they guarantee.
 */
export class Table<T> {
  constructor(
    private readonly keyv: Keyv,
    private readonly atomic: AtomicOps,
    private readonly prefix: string,
    /** How long an operation may take before it fails as unavailable (a frozen Redis must not hang requests). */
    private readonly timeoutMs?: number,
    private readonly observe?: StoreObserver,
    /**
     * Write each key as `<prefix>{<key>}`: on a Redis Cluster the braces are a
     * hash tag, so the slot is the key's own id's, and records of one flow
     * (keyed by its flowId in several tables) share a slot.
     */
    hashTag = false,
  ) {
    this.name = prefix.replace(/^bp:|:$/g, '')
    this.keyOf = hashTag ? (key) => `${prefix}{${key}}` : (key) => prefix + key
  }

  private readonly name: string
  private readonly keyOf: (key: string) => string

  /** Stores `value` under `key` for `ttlMs` milliseconds. */
  async put(key: string, value: T, ttlMs: number): Promise<void> {
    const { atomic } = this
    if (atomic.writeRaw) {
      await this.guard('put', atomic.writeRaw(this.keyOf(key), this.encode(value, ttlMs), ttlMs))
    } else {
      await this.guard('put', this.keyv.set(this.keyOf(key), value, ttlMs))
    }
  }

  /** The live value under `key`, or undefined. */
  async get(key: string): Promise<T | undefined> {
    const { atomic } = this
    if (atomic.readRaw) return this.decode(await this.guard('get', atomic.readRaw(this.keyOf(key))))
    return (await this.guard('get', this.keyv.get<T>(this.keyOf(key)))) ?? undefined
  }

  /** Removes `key`; removing an absent key is not an error. */
  async delete(key: string): Promise<void> {
    const { atomic } = this
    if (atomic.deleteRaw) await this.guard('delete', atomic.deleteRaw(this.keyOf(key)))
    else await this.guard('delete', this.keyv.delete(this.keyOf(key)))
  }

  /**
   * Takes the value under `key` and removes it, atomically: when several callers
   * (on several instances) race for the same key, exactly one gets the value.
   */
  async take(key: string): Promise<T | undefined> {
    return this.decode(await this.guard('take', this.atomic.getDel(this.keyOf(key))))
  }

  /**
   * {@link take}, with when the value would have expired (ms since the epoch):
   * for a caller that may have to put it back ({@link putIfAbsent} with what
   * is left of its lifetime, never more).
   */
  async takeEntry(key: string): Promise<{ value: T; expires: number } | undefined> {
    return this.decodeEntry(await this.guard('take', this.atomic.getDel(this.keyOf(key))))
  }

  /** Replaces the value under `key` and returns the one it replaced, atomically. */
  async swap(key: string, value: T, ttlMs: number): Promise<T | undefined> {
    return this.decode(await this.guard('swap', this.atomic.setGet(this.keyOf(key), this.encode(value, ttlMs), ttlMs)))
  }

  /**
   * Replaces the value under `key` and returns the one it replaced, atomically,
   * but only if there was one: an unknown key stays unknown.
   */
  async swapIfPresent(key: string, value: T, ttlMs: number): Promise<T | undefined> {
    return this.decode(await this.guard('swapIfPresent', this.atomic.setXxGet(this.keyOf(key), this.encode(value, ttlMs), ttlMs)))
  }

  /** Stores `value` only if `key` holds nothing; true when this call stored it. */
  async putIfAbsent(key: string, value: T, ttlMs: number): Promise<boolean> {
    return this.guard('putIfAbsent', this.atomic.setNx(this.keyOf(key), this.encode(value, ttlMs), ttlMs))
  }

  /**
   * Replaces the value under `key` only if there is one, atomically: what was
   * deleted meanwhile (a revoked login) stays deleted.
   */
  async putIfPresent(key: string, value: T, ttlMs: number): Promise<boolean> {
    return this.guard('putIfPresent', this.atomic.setXx(this.keyOf(key), this.encode(value, ttlMs), ttlMs))
  }

  private async guard<R>(op: string, operation: Promise<R>): Promise<R> {
    if (!this.observe) return guard(operation, this.timeoutMs)
    const started = performance.now()
    let failed = true
    try {
      const result = await guard(operation, this.timeoutMs)
      failed = false
      return result
    } finally {
      this.observe(this.name, op, (performance.now() - started) / 1000, failed)
    }
  }

  /** A value as keyv's record text (what keyv's `set` writes with our JSON serializer). */
  private encode(value: T, ttlMs: number): string {
    return JSON.stringify({ value, expires: Date.now() + ttlMs })
  }

  /** keyv's record text to its value; undefined when absent or past its `expires` (keyv's own rule). */
  private decode(raw: unknown): T | undefined {
    return this.decodeEntry(raw)?.value
  }

  private decodeEntry(raw: unknown): { value: T; expires: number } | undefined {
    if (typeof raw !== 'string') return undefined
    const data = JSON.parse(raw) as { value: T; expires?: number } | null
    if (!data || (typeof data.expires === 'number' && data.expires < Date.now())) return undefined
    return { value: data.value, expires: data.expires ?? Infinity }
  }
}

/** Turns any backend failure into {@link StoreUnavailableError}, so no request hangs on it or leaks it. */
async function guard<R>(operation: Promise<R>, timeoutMs?: number): Promise<R> {
  try {
    return await withDeadline(operation, timeoutMs)
  } catch (error) {
    throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError({ cause: error })
  }
}

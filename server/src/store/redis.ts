import KeyvRedis from '@keyv/redis'
import type { KeyvStoreAdapter } from 'keyv'
import { STORE_TIMEOUT_MS, withDeadline } from './deadline.js'
import type { HashOps } from './hashes.js'
import { COUNTER_HIT, COUNTER_PEEK, HASH_SET, runScript, toCount, type Count, type Script } from './scripts.js'
import type { AtomicOps } from './table.js'

/**
 * Redis through @keyv/redis, plus the atomic commands keyv has no verb for,
 * sent on the same connection. Commands are never queued while disconnected:
 * when Redis is away a request fails at once instead of hanging, and the client
 * keeps reconnecting in the background.
 */
export class RedisStore implements AtomicOps, HashOps {
  readonly adapter: KeyvStoreAdapter
  protected readonly redis: KeyvRedis<unknown>

  /** `url`: one Redis (REDIS_URL); or an adapter made elsewhere (the Redis Cluster's, `redis-cluster.ts`). */
  constructor(url: string | KeyvRedis<unknown>) {
    this.redis =
      typeof url !== 'string'
        ? url
        : new KeyvRedis(
            { url, disableOfflineQueue: true, socket: REDIS_SOCKET },
            { throwOnConnectError: false, throwOnErrors: true, connectionTimeout: STORE_TIMEOUT_MS },
          )
    this.adapter = this.redis as unknown as KeyvStoreAdapter
    // Connection errors surface as failed commands; without a listener they would crash the process.
    this.redis.on('error', () => undefined)
    ;(this.redis.client as unknown as { on(event: string, listener: () => void): void }).on('error', () => undefined)
  }

  /** The underlying node-redis client (for the rate limiter, which speaks to it directly). */
  get redisClient(): unknown {
    return this.redis.client
  }

  /**
   * The client every verb sends on. Commands go straight to it (not through
   * keyv, whose calls open a closed client first): when @keyv/redis has closed
   * it after a failed connect (Redis down at start), the call in hand fails
   * fast as unavailable and the client is opened again in the background, so
   * the service recovers by itself once Redis answers.
   */
  protected get client() {
    const client = this.redis.client as unknown as { isOpen: boolean }
    if (!client.isOpen) this.reopen()
    return client as unknown as {
      get(key: string): Promise<string | null>
      del(key: string): Promise<number>
      getDel(key: string): Promise<string | null>
      set(key: string, value: string, options: object): Promise<string | null>
      ping(): Promise<string>
      hDel(key: string, fields: string[]): Promise<number>
      hGetAll(key: string): Promise<Record<string, string>>
      pExpire(key: string, ms: number): Promise<number>
      sendCommand(args: string[]): Promise<unknown>
    }
  }

  private reopening: Promise<void> | undefined

  /** Opens the client again, once at a time. */
  private reopen(): void {
    this.reopening ??= this.redis
      .getClient()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.reopening = undefined
      })
  }

  /** Resolves once connected; rejects after the timeout, so start-up can report a Redis that is not there. */
  async connect(): Promise<void> {
    await withDeadline(
      this.redis.getClient().then(() => undefined),
      STORE_TIMEOUT_MS,
    )
  }

  async getDel(key: string): Promise<unknown> {
    return this.client.getDel(key)
  }

  async setGet(key: string, raw: unknown, ttlMs: number): Promise<unknown> {
    return this.client.set(key, raw as string, { expiration: { type: 'PX', value: ttlMs }, GET: true })
  }

  async setXxGet(key: string, raw: unknown, ttlMs: number): Promise<unknown> {
    return this.client.set(key, raw as string, { expiration: { type: 'PX', value: ttlMs }, condition: 'XX', GET: true })
  }

  async setNx(key: string, raw: unknown, ttlMs: number): Promise<boolean> {
    const reply = await this.client.set(key, raw as string, { expiration: { type: 'PX', value: ttlMs }, condition: 'NX' })
    return reply === 'OK'
  }

  async readRaw(key: string): Promise<string | null> {
    return this.client.get(key)
  }

  async writeRaw(key: string, raw: string, ttlMs: number): Promise<void> {
    await this.client.set(key, raw, { expiration: { type: 'PX', value: ttlMs } })
  }

  async deleteRaw(key: string): Promise<void> {
    await this.client.del(key)
  }

  async setXx(key: string, raw: unknown, ttlMs: number): Promise<boolean> {
    const reply = await this.client.set(key, raw as string, { expiration: { type: 'PX', value: ttlMs }, condition: 'XX' })
    return reply === 'OK'
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number): Promise<number> {
    return Number(await this.script(key, HASH_SET, [field, value, String(ttlMs)]))
  }

  /** {@link Counters.hit} of `key` (one script). */
  async counterHit(key: string, windowSeconds: number): Promise<Count> {
    const count = toCount(await this.script(key, COUNTER_HIT, ['1', String(windowSeconds)]))
    // The script always answers a pair; anything else is a store fault (the limiter reports it as one).
    if (!count) throw new Error('the counter script answered no count')
    return count
  }

  /** {@link Counters.peek} of `key` (one script). */
  async counterPeek(key: string): Promise<Count | undefined> {
    return toCount(await this.script(key, COUNTER_PEEK, []))
  }

  /** Runs a script on one key (on the cluster: on the master of its slot). */
  protected script(key: string, script: Script, args: string[]): Promise<unknown> {
    return runScript((command) => this.client.sendCommand(command), script, [key], args)
  }

  async hashDelete(key: string, fields: string[]): Promise<void> {
    await this.client.hDel(key, fields)
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return { ...(await this.client.hGetAll(key)) }
  }

  async hashTouch(key: string, ttlMs: number): Promise<void> {
    await this.client.pExpire(key, ttlMs)
  }

  async ping(): Promise<void> {
    await withDeadline(this.client.ping(), STORE_TIMEOUT_MS)
  }

  async close(): Promise<void> {
    await this.redis.disconnect().catch(() => undefined)
  }
}

/** Socket options of every connection: a bounded connect, and reconnecting in the background (50 ms doubling to 1 s). */
export const REDIS_SOCKET = {
  connectTimeout: STORE_TIMEOUT_MS,
  reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000),
}

import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { AuthError } from '../errors.js'
import type { Count, Counters, Store } from '../store/index.js'
import { STORE_TIMEOUT_MS, StoreUnavailableError, withDeadline } from '../store/index.js'
import { LIMITS, type LimitName, type LimitSetting } from './limits.js'

/**
 * Attempt counters: fixed windows of `duration` seconds per limit and key,
 * shared across instances through the store's counters on Redis (one script per
 * count, `store/scripts.ts`), in-process otherwise (rate-limiter-flexible's
 * memory limiter). A count that cannot reach Redis fails fast as
 * {@link StoreUnavailableError}: it neither hangs nor silently lets everything
 * through.
 */
export class RateLimits {
  private readonly limits = new Map<LimitName, Limit>()

  constructor(
    store: Store,
    private readonly settings: { enabled: boolean; overrides: Partial<Record<LimitName, LimitSetting>> },
    /** Told of every call a limiter refuses (for the metrics). */
    private readonly onLimited?: (name: LimitName) => void,
    /**
     * Told of every limiter call the store failed (for `bp_store_errors_total`): with limits on,
     * a limited procedure's first store call is its limiter's, so an outage shows up here first.
     */
    private readonly onStoreError?: (op: 'consume' | 'get') => void,
  ) {
    if (!settings.enabled) return
    for (const name of Object.keys(LIMITS) as LimitName[]) {
      const setting = settings.overrides[name] ?? LIMITS[name]
      this.limits.set(name, store.counters ? sharedLimit(store.counters, name, setting) : processLimit(name, setting))
    }
  }

  /**
   * Counts one attempt of `name` by `key`; refuses with `rate_limited` (and the
   * seconds to wait) once the limit is reached.
   */
  async consume(name: LimitName, key: string): Promise<void> {
    const limit = this.limits.get(name)
    if (!limit) return
    let count: Count
    try {
      count = await limit.hit(key)
    } catch (error) {
      this.onStoreError?.('consume')
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError({ cause: error })
    }
    if (count.count > limit.points) {
      this.onLimited?.(name)
      throw refusal(count)
    }
  }

  /**
   * Refuses with `rate_limited` when `key` has already used up limit `name`,
   * without counting this attempt: for limits counted only on failure (call
   * {@link consume} once the attempt has failed).
   */
  async refuseIfExhausted(name: LimitName, key: string): Promise<void> {
    const limit = this.limits.get(name)
    if (!limit) return
    let count: Count | undefined
    try {
      count = await limit.peek(key)
    } catch (error) {
      this.onStoreError?.('get')
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError({ cause: error })
    }
    if (count && count.count >= limit.points) throw refusal(count)
  }
}

/** One limit's counters. */
interface Limit {
  readonly points: number
  hit(key: string): Promise<Count>
  peek(key: string): Promise<Count | undefined>
}

/** `rate_limited`, with the seconds until the window closes. */
function refusal(count: Count): AuthError {
  return new AuthError('rate_limited', undefined, { retryAfter: Math.max(1, Math.ceil(count.msLeft / 1000)) })
}

/** A limit counted in Redis: `bp:rl:<name>:<key>`, within the store's deadline. */
function sharedLimit(counters: Counters, name: LimitName, { points, duration }: LimitSetting): Limit {
  const prefix = `bp:rl:${name}:`
  return {
    points,
    hit: (key) => withDeadline(counters.hit(prefix + key, duration), STORE_TIMEOUT_MS),
    peek: (key) => withDeadline(counters.peek(prefix + key), STORE_TIMEOUT_MS),
  }
}

/** A limit counted in this process. */
function processLimit(name: LimitName, { points, duration }: LimitSetting): Limit {
  const limiter = new RateLimiterMemory({ points, duration, keyPrefix: `bp:rl:${name}` })
  const toCount = (result: RateLimiterRes) => ({ count: result.consumedPoints, msLeft: result.msBeforeNext })
  return {
    points,
    async hit(key) {
      try {
        return toCount(await limiter.consume(key))
      } catch (result) {
        // The memory limiter rejects with its result once over the limit; the caller reads the count.
        if (result instanceof RateLimiterRes) return toCount(result)
        throw result
      }
    },
    async peek(key) {
      const result = await limiter.get(key)
      return result ? toCount(result) : undefined
    },
  }
}

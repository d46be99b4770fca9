import { hash } from 'node:crypto'

/** A Lua script Redis runs atomically, sent by its SHA-1 (EVALSHA) once the server knows it. */
export interface Script {
  readonly source: string
  readonly sha: string
}

/** A script from its source. */
export function script(source: string): Script {
  return { source, sha: hash('sha1', source, 'hex') }
}

/**
 * Runs `script` on `keys` (all in one slot on a Redis Cluster) with `args`
 * through `send`, by its SHA; where the server does not know it yet (a
 * restarted or new node) it is loaded with EVAL. One command either way.
 */
export async function runScript(
  send: (args: string[]) => Promise<unknown>,
  { source, sha }: Script,
  keys: string[],
  args: string[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args]
  try {
    return await send(['EVALSHA', sha, ...tail])
  } catch (error) {
    if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error
    return await send(['EVAL', source, ...tail])
  }
}

/**
 * `hashSet`: HSET, PEXPIRE and HLEN of one key, atomically, in one command (a
 * MULTI of the three is five commands to encode and parse). Resolves to the
 * number of fields the hash then holds.
 */
export const HASH_SET = script(
  "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) redis.call('PEXPIRE', KEYS[1], ARGV[3]) return redis.call('HLEN', KEYS[1])",
)

/**
 * A hit on a fixed-window counter: the first hit opens a window of ARGV[2]
 * seconds; the count and the milliseconds left in the window come back
 * together. The same key, value and window as rate-limiter-flexible's
 * RateLimiterRedis (which counted here before), so instances of either build
 * count together during a rolling deploy.
 */
export const COUNTER_HIT = script(
  "redis.call('SET', KEYS[1], 0, 'EX', ARGV[2], 'NX') " +
    "local count = redis.call('INCRBY', KEYS[1], ARGV[1]) " +
    "local ttl = redis.call('PTTL', KEYS[1]) " +
    "if ttl == -1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) ttl = 1000 * ARGV[2] end " +
    'return {count, ttl}',
)

/** A counter's count and the milliseconds left in its window, without a hit; nil when there is none. */
export const COUNTER_PEEK = script(
  "local count = redis.call('GET', KEYS[1]) " +
    'if not count then return nil end ' +
    "return {tonumber(count), redis.call('PTTL', KEYS[1])}",
)

/** A counter as a hit or a peek reads it. */
export interface Count {
  count: number
  /** Milliseconds until the window closes and the count starts over. */
  msLeft: number
}

/** The reply of {@link COUNTER_HIT} or {@link COUNTER_PEEK} (nil: no counter). */
export function toCount(reply: unknown): Count | undefined {
  if (!Array.isArray(reply)) return undefined
  return { count: Number(reply[0]), msLeft: Number(reply[1]) }
}

import { Keyv } from 'keyv'
import { STORE_TIMEOUT_MS } from './deadline.js'
import { Hashes, type HashOps } from './hashes.js'
import { BoundedMemoryStore } from './memory.js'
import { DurableMemoryStore, durableBounds } from './memory-durable.js'
import { RedisStore } from './redis.js'
import { RedisClusterStore } from './redis-cluster.js'
import type { Count } from './scripts.js'
import { Table, type AtomicOps, type StoreObserver } from './table.js'
import type {
  DeviceFlowRecord,
  FlowRecord,
  KeySetRecord,
  LinkTokenRecord,
  LoginRecord,
  RefreshRecord,
  ServerCodeRecord,
  UserCodeRecord,
} from './records.js'

export { StoreFullError, StoreUnavailableError } from './errors.js'
export { STORE_TIMEOUT_MS, withDeadline } from './deadline.js'
export type * from './records.js'
export type { Table, Hashes, StoreObserver, Count }

/**
 * Fixed-window counters every instance shares (on Redis; the rate limits).
 * Each verb is one command on one key (`bp:rl:<limit>:<key>`; on a Redis
 * Cluster the slot of that whole key).
 */
export interface Counters {
  /** Adds one to the counter at `key`; the first hit opens a window of `windowSeconds`. The count so far and the ms left. */
  hit(key: string, windowSeconds: number): Promise<Count>
  /** The counter at `key` without a hit; undefined when its window has closed (or none was opened). */
  peek(key: string): Promise<Count | undefined>
}

/** The service's state: every table, and whether the backend answers. */
export interface Store {
  readonly kind: 'memory' | 'redis'
  /**
   * Every command goes over one connection to one server, which runs them in
   * the order they were sent (a single Redis): a write sent after another is
   * seen after it by everyone, without waiting for the first one's answer.
   * False on a Redis Cluster (keys on different nodes) and in-process.
   */
  readonly inOrder: boolean
  readonly flows: Table<FlowRecord>
  readonly serverCodes: Table<ServerCodeRecord>
  readonly logins: Table<LoginRecord>
  readonly refreshTokens: Table<RefreshRecord>
  readonly keySets: Table<KeySetRecord>
  readonly deviceFlows: Table<DeviceFlowRecord>
  readonly userCodes: Table<UserCodeRecord>
  /** Which confirmation token claimed a cross-device flow (first screen to show it wins). Keyed by flowId. */
  readonly linkClaims: Table<string>
  readonly linkTokens: Table<LinkTokenRecord>
  /** Marks of recent `auth.poll` calls, to hold clients to the interval. Keyed by flowId. */
  readonly polls: Table<number>
  /**
   * Each user's live sessions: one map per user id (`bp:sessions:{<user id>}`),
   * field = loginId, value = when it was opened (ms). Kept correct by
   * `session/session-index.ts`.
   */
  readonly sessionIndex: Hashes
  /** DPoP proofs already used, by SHA-256 of key thumbprint and `jti` (RFC 9449 §11.1), for the `iat` window. */
  readonly dpopProofs: Table<number>
  /** The node-redis client, when the store is Redis (for the approvals' pub/sub). */
  readonly redisClient?: unknown
  /** Counters shared through Redis; absent in-process (the rate limits then count in this process). */
  readonly counters?: Counters
  /** Resolves when the backend answers; rejects otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}

interface Backend extends AtomicOps {
  adapter: ConstructorParameters<typeof Keyv>[0]
  redisClient?: unknown
  ping(): Promise<void>
  close(): Promise<void>
}

const PREFIX = 'bp:'

/** The default bound of signed-in logins held by the in-process store (AUTH_MAX_LOGINS). */
export const DEFAULT_MAX_LOGINS = 100_000

/**
 * The store: Redis when `redisUrl` is given, otherwise in-process. Start-up does
 * not wait for Redis: until it answers, every operation fails fast with
 * {@link StoreUnavailableError} and the client keeps reconnecting. In-process,
 * short-lived records (flows, Server Codes) live apart from logins, in a bounded
 * cache of `maxPendingFlows`, so a flood of abandoned logins evicts only its own
 * kind and never a signed-in user; logins, refresh tokens, session indexes and
 * keys each have a bound of their own (`memory-durable.ts`): keys and logins are
 * never evicted, and a login that does not fit is refused.
 */
export async function createStore(options: {
  redisUrl?: string
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); keys are hash-tagged there (see `redis-cluster.ts`). */
  redisClusterNodes?: string[]
  maxPendingFlows: number
  maxLogins?: number
  /** Told of every table operation's duration and whether it failed (for the metrics). */
  observe?: StoreObserver
}): Promise<Store> {
  if (options.redisClusterNodes) {
    const cluster = new RedisClusterStore(options.redisClusterNodes)
    // The cluster client counts as open before it knows which node serves which
    // slot: wait (a moment at most) for that map, or the first calls fail.
    await cluster.connect().catch(() => undefined)
    return assemble('redis', cluster, cluster, {
      observe: options.observe,
      hashTag: true,
      inOrder: false,
      counters: countersOf(cluster),
    })
  }
  if (options.redisUrl) {
    const redis = new RedisStore(options.redisUrl)
    void redis.connect().catch(() => undefined)
    return assemble('redis', redis, redis, { observe: options.observe, inOrder: true, counters: countersOf(redis) })
  }
  const pending = new BoundedMemoryStore(options.maxPendingFlows)
  const durable = new DurableMemoryStore(durableBounds(options.maxLogins ?? DEFAULT_MAX_LOGINS), {
    keys: `${PREFIX}keys:`,
    logins: `${PREFIX}login:`,
    refreshTokens: `${PREFIX}refresh:`,
    sessionIndex: `${PREFIX}sessions:`,
  })
  // Used DPoP proofs apart: a flood of them evicts neither pending flows nor logins.
  const proofs = new BoundedMemoryStore(Math.max(options.maxPendingFlows, 100_000))
  return assemble('memory', pending, durable, { observe: options.observe, proofs, inOrder: false })
}

function countersOf(redis: RedisStore): Counters {
  return { hit: (key, windowSeconds) => redis.counterHit(key, windowSeconds), peek: (key) => redis.counterPeek(key) }
}

function assemble(
  kind: Store['kind'],
  pending: Backend,
  durable: Backend & HashOps,
  extra: { observe?: StoreObserver; proofs?: Backend; hashTag?: boolean; inOrder: boolean; counters?: Counters },
): Store {
  const { observe, proofs = durable, hashTag = false, inOrder, counters } = extra
  const timeoutMs = kind === 'redis' ? STORE_TIMEOUT_MS : undefined
  // Plain JSON: records hold no Buffers or Dates, and @keyv/serialize's default keeps
  // concatenated (unflattened) strings that cost ~3.5x the memory per record.
  const keyvFor = (backend: Backend) =>
    new Keyv({
      store: backend.adapter,
      namespace: '',
      useKeyPrefix: false,
      throwOnErrors: true,
      serialize: JSON.stringify,
      deserialize: JSON.parse,
    })
  const pendingKeyv = keyvFor(pending)
  const durableKeyv = pending === durable ? pendingKeyv : keyvFor(durable)
  const proofsKeyv = proofs === durable ? durableKeyv : keyvFor(proofs)
  return {
    kind,
    inOrder,
    redisClient: durable.redisClient,
    counters,
    flows: new Table(pendingKeyv, pending, `${PREFIX}flow:`, timeoutMs, observe, hashTag),
    serverCodes: new Table(pendingKeyv, pending, `${PREFIX}code:`, timeoutMs, observe, hashTag),
    logins: new Table(durableKeyv, durable, `${PREFIX}login:`, timeoutMs, observe, hashTag),
    refreshTokens: new Table(durableKeyv, durable, `${PREFIX}refresh:`, timeoutMs, observe, hashTag),
    keySets: new Table(durableKeyv, durable, `${PREFIX}keys:`, timeoutMs, observe, hashTag),
    deviceFlows: new Table(pendingKeyv, pending, `${PREFIX}dflow:`, timeoutMs, observe, hashTag),
    userCodes: new Table(pendingKeyv, pending, `${PREFIX}ucode:`, timeoutMs, observe, hashTag),
    linkClaims: new Table(pendingKeyv, pending, `${PREFIX}lclaim:`, timeoutMs, observe, hashTag),
    linkTokens: new Table(pendingKeyv, pending, `${PREFIX}ltoken:`, timeoutMs, observe, hashTag),
    polls: new Table(pendingKeyv, pending, `${PREFIX}poll:`, timeoutMs, observe, hashTag),
    sessionIndex: new Hashes(durable, 'sessions', timeoutMs),
    dpopProofs: new Table(proofsKeyv, proofs, `${PREFIX}dpop:`, timeoutMs, observe, hashTag),
    ping: () => durable.ping(),
    close: async () => {
      await pending.close()
      if (durable !== pending) await durable.close()
      if (proofs !== durable) await proofs.close()
    },
  }
}

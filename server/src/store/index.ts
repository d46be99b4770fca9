import { Keyv } from 'keyv'
import { STORE_TIMEOUT_MS } from './deadline.js'
import { BoundedMemoryStore } from './memory.js'
import { RedisStore } from './redis.js'
import { Table, type AtomicOps } from './table.js'
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

export { StoreUnavailableError } from './errors.js'
export { STORE_TIMEOUT_MS, withDeadline } from './deadline.js'
export type * from './records.js'
export type { Table }

/** The service's state: every table, and whether the backend answers. */
export interface Store {
  readonly kind: 'memory' | 'redis'
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
  /** DPoP proofs already used, by SHA-256 of key thumbprint and `jti` (RFC 9449 §11.1), for the `iat` window. */
  readonly dpopProofs: Table<number>
  /** The node-redis client, when the store is Redis (shared with the rate limiter). */
  readonly redisClient?: unknown
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

/**
 * The store: Redis when `redisUrl` is given, otherwise in-process. Start-up does
 * not wait for Redis: until it answers, every operation fails fast with
 * {@link StoreUnavailableError} and the client keeps reconnecting. In-process,
 * short-lived records (flows, Server Codes) live apart from logins, in a bounded
 * cache of `maxPendingFlows`, so a flood of abandoned logins evicts only its own
 * kind and never a signed-in user.
 */
export async function createStore(options: { redisUrl?: string; maxPendingFlows: number }): Promise<Store> {
  if (options.redisUrl) {
    const redis = new RedisStore(options.redisUrl)
    void redis.connect().catch(() => undefined)
    return assemble('redis', redis, redis)
  }
  const pending = new BoundedMemoryStore(options.maxPendingFlows)
  // Logins, refresh tokens and keys: a cache of their own, bounded as well.
  const durable = new BoundedMemoryStore(Math.max(options.maxPendingFlows, 100_000))
  // Used DPoP proofs apart as well: a flood of them evicts neither pending flows nor logins.
  const proofs = new BoundedMemoryStore(Math.max(options.maxPendingFlows, 100_000))
  return assemble('memory', pending, durable, proofs)
}

function assemble(kind: Store['kind'], pending: Backend, durable: Backend, proofs: Backend = durable): Store {
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
    redisClient: durable.redisClient,
    flows: new Table(pendingKeyv, pending, `${PREFIX}flow:`, timeoutMs),
    serverCodes: new Table(pendingKeyv, pending, `${PREFIX}code:`, timeoutMs),
    logins: new Table(durableKeyv, durable, `${PREFIX}login:`, timeoutMs),
    refreshTokens: new Table(durableKeyv, durable, `${PREFIX}refresh:`, timeoutMs),
    keySets: new Table(durableKeyv, durable, `${PREFIX}keys:`, timeoutMs),
    deviceFlows: new Table(pendingKeyv, pending, `${PREFIX}dflow:`, timeoutMs),
    userCodes: new Table(pendingKeyv, pending, `${PREFIX}ucode:`, timeoutMs),
    linkClaims: new Table(pendingKeyv, pending, `${PREFIX}lclaim:`, timeoutMs),
    linkTokens: new Table(pendingKeyv, pending, `${PREFIX}ltoken:`, timeoutMs),
    polls: new Table(pendingKeyv, pending, `${PREFIX}poll:`, timeoutMs),
    dpopProofs: new Table(proofsKeyv, proofs, `${PREFIX}dpop:`, timeoutMs),
    ping: () => durable.ping(),
    close: async () => {
      await pending.close()
      if (durable !== pending) await durable.close()
      if (proofs !== durable && proofs !== pending) await proofs.close()
    },
  }
}

import KeyvRedis, { createCluster } from '@keyv/redis'
import { STORE_TIMEOUT_MS, withDeadline } from './deadline.js'
import { REDIS_SOCKET, RedisStore } from './redis.js'
import { runScript, type Script } from './scripts.js'

/**
 * How long a claim (GETDEL, SET … GET, SET NX) waits for one replica to hold
 * it before it is answered. See {@link RedisClusterStore}.
 */
export const REPLICA_ACK_TIMEOUT_MS = 500

/**
 * The store on a Redis Cluster (REDIS_CLUSTER_NODES): the same verbs as
 * {@link RedisStore}, through node-redis's cluster client (`@keyv/redis`
 * accepts one, so keyv's get/set/delete route by key like every other verb).
 *
 * Key layout (which slot each key lands in, and why): every verb touches one
 * key, so every atomic step is single-slot by construction. On the cluster
 * each table key is written `bp:<table>:{<id>}` (`Table`'s `hashTag`), so the
 * slot is that of the id alone:
 * - a flow's records keyed by its flowId (`flow`, `dflow`, `lclaim`, `poll`)
 *   share one slot: a failover or a slot move takes them together;
 * - a Server Code (`code:{<hash>}`), user code (`ucode:{<code>}`) and link
 *   token (`ltoken:{<hash>}`) are looked up by themselves before the flowId is
 *   known, so each lands in the slot of its own secret; no step writes it
 *   together with its flow;
 * - a login (`login:{<loginId>}`) and each refresh record
 *   (`refresh:{<hash>}`): one key per step (the refresh swap, then the login
 *   read), so no step spans them;
 * - a user's session index `bp:sessions:{<user id>}` is one hash (`hashes.ts`);
 * - the key set `bp:keys:{current}` and its lock `bp:keys:{rotation-lock}`;
 * - rate-limit counters `bp:rl:<limit>:<key>`, one key each (`scripts.ts`);
 * - approvals travel on the sharded channel `bp:flow-events` (`events.ts`).
 *
 * Claims here: GETDEL (`take`), SET … GET (`swap`, `swapIfPresent`: the refresh
 * rotation's spend) and SET NX (`putIfAbsent`).
 *
 * Failover: replication is asynchronous, so a write acknowledged by a master
 * that dies before passing it on is lost. A lost record fails closed (an
 * unknown flow or login). A lost *claim* would not: the promoted replica would
 * still hold a spent Server Code or an unrotated refresh record. So every
 * claim on a master with a replica attached waits (WAIT 1) for it before its
 * answer is used; when it does not acknowledge within
 * {@link REPLICA_ACK_TIMEOUT_MS} the claim fails as unavailable: it may stand
 * on the master, and is never handed out twice.
 *
 * Failures: commands are never queued for a node that is away (they fail at
 * once as unavailable), and any failure makes the client re-read the
 * topology (throttled), so once a replica is promoted the next call reaches it.
 */
export class RedisClusterStore extends RedisStore {
  private readonly cluster: ClusterLike
  private rediscovering = 0
  private readonly replicas = new WeakMap<NodeClient, { count: number; at: number }>()

  constructor(nodes: string[]) {
    const cluster = createCluster({
      rootNodes: nodes.map((url) => ({ url })),
      defaults: { disableOfflineQueue: true, socket: REDIS_SOCKET },
    })
    super(
      new KeyvRedis(cluster as never, {
        throwOnConnectError: false,
        throwOnErrors: true,
        connectionTimeout: STORE_TIMEOUT_MS,
      }),
    )
    this.cluster = cluster as unknown as ClusterLike
    this.cluster.on('error', () => undefined)
    this.cluster.on('node-error', () => this.rediscover())
    this.cluster.on('node-reconnecting', () => this.rediscover())
  }

  /**
   * Re-reads the cluster's topology (CLUSTER SHARDS from any live node), at
   * most every 250 ms. node-redis re-reads it by itself only on MOVED; a
   * master that died answers nothing, and its promoted replica would never be
   * found.
   */
  rediscover(): void {
    const now = Date.now()
    if (now - this.rediscovering < 250) return
    this.rediscovering = now
    const root = this.cluster._options.rootNodes[0]
    if (!this.cluster.isOpen || !root) return
    this.cluster._slots.rediscover({ options: root }).catch(() => undefined)
  }

  /** Runs a verb; a failure re-reads the topology before it is reported. */
  private async routed<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      this.rediscover()
      throw error
    }
  }

  /**
   * `command` on the master of `key`'s slot, then, if that master has a
   * replica attached, WAIT 1 on the same connection: a replica that does not
   * acknowledge in time fails the claim (it could be promoted without it). A
   * master with none attached (its replica is down, or it is itself a
   * just-promoted replica) answers at once: nothing stale can be promoted over
   * it, and waiting would only stall every command on that connection.
   */
  private async claim(key: string, command: (client: NodeClient) => Promise<unknown>): Promise<unknown> {
    return this.routed(() =>
      this.cluster._execute(key, false, undefined, async (client) => {
        const reply = await command(client)
        if ((await this.attachedReplicas(client)) > 0) {
          const acknowledged = Number(await client.sendCommand(['WAIT', '1', String(REPLICA_ACK_TIMEOUT_MS)]))
          if (acknowledged < 1) {
            this.replicas.delete(client)
            throw new Error('no replica acknowledged the claim')
          }
        }
        return reply
      }),
    )
  }

  /** Replicas attached to the master behind `client` (ROLE), re-read at most every second. */
  private async attachedReplicas(client: NodeClient): Promise<number> {
    const known = this.replicas.get(client)
    if (known && Date.now() - known.at < 1_000) return known.count
    const role = (await client.sendCommand(['ROLE'])) as [string, number, unknown[]]
    const count = role[0] === 'master' ? role[2].length : 0
    this.replicas.set(client, { count, at: Date.now() })
    return count
  }

  override async getDel(key: string): Promise<unknown> {
    return this.claim(key, (client) => client.sendCommand(['GETDEL', key]))
  }

  override async setGet(key: string, raw: unknown, ttlMs: number): Promise<unknown> {
    return this.claim(key, (client) => client.sendCommand(['SET', key, raw as string, 'PX', String(ttlMs), 'GET']))
  }

  override async setXxGet(key: string, raw: unknown, ttlMs: number): Promise<unknown> {
    return this.claim(key, (client) => client.sendCommand(['SET', key, raw as string, 'PX', String(ttlMs), 'XX', 'GET']))
  }

  override async setNx(key: string, raw: unknown, ttlMs: number): Promise<boolean> {
    const reply = await this.claim(key, (client) => client.sendCommand(['SET', key, raw as string, 'PX', String(ttlMs), 'NX']))
    return reply === 'OK'
  }

  override async readRaw(key: string): Promise<string | null> {
    return this.routed(() => super.readRaw(key))
  }

  override async writeRaw(key: string, raw: string, ttlMs: number): Promise<void> {
    await this.routed(() => super.writeRaw(key, raw, ttlMs))
  }

  override async deleteRaw(key: string): Promise<void> {
    await this.routed(() => super.deleteRaw(key))
  }

  override async setXx(key: string, raw: unknown, ttlMs: number): Promise<boolean> {
    return this.routed(() => super.setXx(key, raw, ttlMs))
  }

  /**
   * A script on one key (the session index's HSET + PEXPIRE + HLEN, a
   * rate-limit counter) on the master of its slot. Through `_execute`, which
   * follows MOVED and ASK while the slot is being migrated.
   */
  protected override script(key: string, script: Script, args: string[]): Promise<unknown> {
    return this.routed(() =>
      this.cluster._execute(key, false, undefined, (client) =>
        runScript((command) => client.sendCommand(command), script, [key], args),
      ),
    )
  }

  override async hashDelete(key: string, fields: string[]): Promise<void> {
    await this.routed(() => super.hashDelete(key, fields))
  }

  override async hashGetAll(key: string): Promise<Record<string, string>> {
    return this.routed(() => super.hashGetAll(key))
  }

  override async hashTouch(key: string, ttlMs: number): Promise<void> {
    await this.routed(() => super.hashTouch(key, ttlMs))
  }

  /** Every master answers PING: a cluster with a shard down is not ready (its share of flows and logins would fail). */
  override async ping(): Promise<void> {
    await withDeadline(
      this.routed(async () => {
        if (!this.cluster.isOpen) throw new Error('the cluster client is not connected')
        const masters = this.cluster.masters
        if (masters.length === 0) throw new Error('no master known')
        await Promise.all(masters.map(async (master) => (await this.cluster.nodeClient(master)).sendCommand(['PING'])))
      }),
      STORE_TIMEOUT_MS,
    )
  }
}

/** The part of a node-redis node client the claims and the session index use. */
interface NodeClient {
  sendCommand(args: string[]): Promise<unknown>
}

/** The part of node-redis's cluster client this store uses beyond the keyed commands. */
interface ClusterLike {
  on(event: string, listener: () => void): void
  readonly isOpen: boolean
  readonly masters: object[]
  nodeClient(node: object): Promise<NodeClient>
  _options: { rootNodes: object[] }
  _slots: { rediscover(startWith: { options: object }): Promise<void> }
  _execute<T>(firstKey: string, isReadonly: boolean, options: undefined, fn: (client: NodeClient) => Promise<T>): Promise<T>
}

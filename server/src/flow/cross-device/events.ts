import { EventEmitter } from 'node:events'
import type { Logger } from '../../logger.js'

const CHANNEL = 'bp:flow-events'
/** The Redis Cluster slot of {@link CHANNEL} (CRC16 mod 16384; `CLUSTER KEYSLOT bp:flow-events`, pinned by the cluster tests). */
export const CHANNEL_SLOT = 9769

/**
 * "Flow X changed": how an approval handled on one instance wakes a watcher on
 * another. In-process it is an EventEmitter; with Redis every instance
 * subscribes once to one pub/sub channel and fans the news out locally. The
 * news carries only the flowId: watchers re-read the state from the store, so
 * a lost message delays a watcher (until its next timed re-read) but can never
 * mislead it.
 */
export class FlowEvents {
  private readonly local = new EventEmitter()
  private publisher: { publish(channel: string, message: string): Promise<unknown> } | undefined
  private subscriber: Subscriber | undefined
  private watchdog: NodeJS.Timeout | undefined

  constructor(private readonly logger: Logger) {
    this.local.setMaxListeners(0)
  }

  /** Connects to Redis pub/sub (a second connection, as subscribing takes one over). */
  async useRedis(client: unknown): Promise<void> {
    if (isCluster(client)) return this.useCluster(client)
    const redis = client as RedisLike
    this.publisher = redis
    const subscriber = redis.duplicate()
    subscriber.on('error', () => undefined)
    this.subscriber = subscriber
    subscriber.connect().then(
      () => subscriber.subscribe(CHANNEL, (flowId: string) => this.local.emit(flowId)),
      (error: unknown) =>
        this.logger.warn({ err: error }, 'flow events: Redis subscription failed; watchers fall back to re-reading'),
    )
  }

  /**
   * On a Redis Cluster: sharded pub/sub (SPUBLISH/SSUBSCRIBE on the master of
   * the channel's slot). node-redis follows the channel when its slot moves
   * (the server unsubscribes, the client re-subscribes where it went), and a
   * watchdog subscribes again whenever the master now serving the channel's
   * slot holds no subscription: after a failover (the promoted replica), or
   * a slot move node-redis did not follow. Approvals published in between are lost: watchers see them at
   * their next timed re-read.
   */
  private useCluster(cluster: ClusterLike): void {
    this.publisher = { publish: (channel, message) => cluster.sPublish(channel, message) }
    const listener = (flowId: string) => this.local.emit(flowId)
    let subscribing = false
    const subscribe = () => {
      const shard = cluster.slots[CHANNEL_SLOT]
      if (subscribing || !cluster.isOpen || !shard || shard.master.pubSub) return
      subscribing = true
      cluster
        .sSubscribe(CHANNEL, listener)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'flow events: sharded subscription failed; retrying'))
        .finally(() => (subscribing = false))
    }
    this.watchdog = setInterval(subscribe, 500)
    this.watchdog.unref()
    subscribe()
  }

  /** Tells every watcher of `flowId`, on every instance, to re-read it. */
  async publish(flowId: string): Promise<void> {
    if (!this.publisher) {
      this.local.emit(flowId)
      return
    }
    await this.publisher.publish(CHANNEL, flowId).catch((error: unknown) => {
      this.logger.warn({ err: error, flowId }, 'flow events: publish failed')
      this.local.emit(flowId)
    })
  }

  /**
   * Resolves on the next change of `flowId`, after `timeoutMs`, or when `signal`
   * aborts, whichever comes first.
   */
  next(flowId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.local.off(flowId, done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, timeoutMs))
      this.local.on(flowId, done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog)
    const subscriber = this.subscriber
    this.subscriber = undefined
    if (!subscriber) return
    try {
      if (subscriber.close) await subscriber.close()
      else if (subscriber.quit) await subscriber.quit()
    } catch {
      subscriber.destroy?.()
    }
  }
}

interface Subscriber {
  connect(): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  on(event: string, listener: () => void): void
  quit?(): Promise<unknown>
  close?(): Promise<unknown>
  destroy?(): void
}

/** The part of node-redis's cluster client that sharded pub/sub uses. */
interface ClusterLike {
  readonly isOpen: boolean
  /** Per slot, its shard as last discovered; `master.pubSub` once a sharded subscription lives there. */
  readonly slots: ({ master: { pubSub?: unknown } } | undefined)[]
  sPublish(channel: string, message: string): Promise<unknown>
  sSubscribe(channel: string, listener: (message: string) => void): Promise<unknown>
}

function isCluster(client: unknown): client is ClusterLike {
  return typeof client === 'object' && client !== null && 'slots' in client && 'sSubscribe' in client
}

interface RedisLike {
  publish(channel: string, message: string): Promise<unknown>
  duplicate(): Subscriber
}

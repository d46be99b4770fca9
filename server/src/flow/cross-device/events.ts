import { EventEmitter } from 'node:events'
import type { Logger } from '../../logger.js'

const CHANNEL = 'bp:flow-events'

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

  constructor(private readonly logger: Logger) {
    this.local.setMaxListeners(0)
  }

  /** Connects to Redis pub/sub (a second connection, as subscribing takes one over). */
  async useRedis(client: unknown): Promise<void> {
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

interface RedisLike {
  publish(channel: string, message: string): Promise<unknown>
  duplicate(): Subscriber
}

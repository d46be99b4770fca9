import { createStore, type Store } from '../../../server/src/store/index.js'

/**
 * The server's store on the suite's Redis, once it answers: start-up does not
 * wait for Redis (until it answers every operation fails fast), so a test that
 * uses the store directly waits here, up to about two seconds.
 *
 * @example
 * ```ts
 * const store = await storeOnRedis(inject('redisUrl'))
 * ```
 */
export async function storeOnRedis(redisUrl: string): Promise<Store> {
  const store = await createStore({ redisUrl, maxPendingFlows: 10 })
  for (let tries = 0; ; tries++) {
    const up = await store.ping().then(
      () => true,
      () => false,
    )
    if (up || tries > 100) return store
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

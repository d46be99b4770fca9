import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Counters, Store } from '../../../server/src/store/index.js'
import { storeOnRedis } from '../support/redis-store.js'

const run = promisify(execFile)
const cli = async (...args: string[]) => (await run('redis-cli', ['-u', inject('redisUrl'), '--raw', ...args])).stdout.trim()

/**
 * The rate limits' counters on Redis (`store/scripts.ts`): one script per hit,
 * a fixed window opened by the first hit, and the key and value
 * rate-limiter-flexible's Redis limiter used (an integer under
 * `bp:rl:<limit>:<key>` with the window as its TTL), so instances of the
 * previous build count together with these during a rolling deploy.
 */
describe('Redis counters', () => {
  let store: Store
  let counters: Counters
  const key = (name: string) => `bp:rl:test:${name}-${Date.now()}`

  beforeAll(async () => {
    store = await storeOnRedis(inject('redisUrl'))
    counters = store.counters!
  })
  afterAll(() => store?.close())

  it('counts hits in a window opened by the first, with the time left in it', async () => {
    const k = key('hits')
    const counts = []
    for (let i = 0; i < 3; i++) counts.push(await counters.hit(k, 60))
    expect(counts.map((c) => c.count)).toEqual([1, 2, 3])
    for (const { msLeft } of counts) {
      expect(msLeft).toBeGreaterThan(55_000)
      expect(msLeft).toBeLessThanOrEqual(60_000)
    }
    // What rate-limiter-flexible reads: the count as an integer, the window as the key's TTL.
    expect(await cli('GET', k)).toBe('3')
    expect(Number(await cli('PTTL', k))).toBeGreaterThan(55_000)
  })

  it('continues a count another instance started', async () => {
    const k = key('shared')
    await cli('SET', k, '7', 'EX', '60')
    expect((await counters.hit(k, 60)).count).toBe(8)
  })

  it('peeks without counting; nothing when no window is open', async () => {
    const k = key('peek')
    expect(await counters.peek(k)).toBeUndefined()
    await counters.hit(k, 60)
    await counters.hit(k, 60)
    const seen = await counters.peek(k)
    expect(seen?.count).toBe(2)
    expect(seen?.msLeft).toBeGreaterThan(55_000)
    expect((await counters.peek(k))?.count).toBe(2)
  })

  it('starts over once the window has closed', async () => {
    const k = key('window')
    await counters.hit(k, 1)
    expect((await counters.hit(k, 1)).count).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    expect(await counters.peek(k)).toBeUndefined()
    expect((await counters.hit(k, 1)).count).toBe(1)
  })

  it('gives a key with no TTL one (a counter never outlives its window)', async () => {
    const k = key('no-ttl')
    await cli('SET', k, '4')
    const count = await counters.hit(k, 60)
    expect(count).toEqual({ count: 5, msLeft: 60_000 })
    expect(Number(await cli('PTTL', k))).toBeGreaterThan(55_000)
  })

  it('loads its script again where Redis has forgotten it (SCRIPT FLUSH, a restarted node)', async () => {
    const k = key('flushed')
    await counters.hit(k, 60)
    await cli('SCRIPT', 'FLUSH')
    expect((await counters.hit(k, 60)).count).toBe(2)
    await cli('SCRIPT', 'FLUSH')
    expect((await counters.peek(k))?.count).toBe(2)
  })
})

import { describe, expect, it } from 'vitest'
import { createMemoryReplayStore } from './dpop.js'

describe('createMemoryReplayStore', () => {
  it('stores a key once, until its TTL has passed', async () => {
    let now = 1_000_000
    const store = createMemoryReplayStore({ now: () => now })
    expect(await store.putIfAbsent('a', 130)).toBe(true)
    expect(await store.putIfAbsent('a', 130)).toBe(false)
    now += 129_000
    expect(await store.putIfAbsent('a', 130)).toBe(false)
    now += 2_000
    expect(await store.putIfAbsent('a', 130)).toBe(true)
  })

  it('is bounded: beyond max, the oldest keys go first', async () => {
    const store = createMemoryReplayStore({ max: 2 })
    for (const key of ['a', 'b', 'c']) expect(await store.putIfAbsent(key, 60)).toBe(true)
    expect(await store.putIfAbsent('c', 60)).toBe(false)
    expect(await store.putIfAbsent('b', 60)).toBe(false)
    expect(await store.putIfAbsent('a', 60)).toBe(true)
  })

  it('refuses a max that is not a positive whole number', () => {
    expect(() => createMemoryReplayStore({ max: 0 })).toThrow(TypeError)
  })
})

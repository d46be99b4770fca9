import { afterEach, describe, expect, it, vi } from 'vitest'
import { createStore, type KeySetRecord, type Store } from '../store/index.js'
import { KeyRing } from './key-ring.js'

/** A key signs for 120 s; the next is published 60 s ahead; tokens live 300 s, so a retired key stays 360 s. */
const ROTATION = 120
const AHEAD = 60
const GRACE = 300 + 60

const stores: Store[] = []
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})

async function setUp(rings = 1) {
  const store = await createStore({ maxPendingFlows: 1000 })
  stores.push(store)
  let time = Date.UTC(2030, 0, 1)
  const clock = { now: () => time, advance: (seconds: number) => (time += seconds * 1000) }
  const make = (now = clock.now) => new KeyRing(store, { alg: 'EdDSA', rotation: ROTATION, accessTokenTtl: 300, now })
  const list = Array.from({ length: rings }, () => make())
  for (const ring of list) await ring.init()
  return { store, clock, rings: list, make }
}

const kids = (ring: KeyRing) => ring.jwks().keys.map((key) => key.kid as string)
const stored = async (store: Store) => (await store.keySets.get('current'))!.keys

describe('KeyRing: one set for every instance', () => {
  it('creates one key on first start; a second instance adopts it', async () => {
    const { rings, make } = await setUp(1)
    const other = make()
    await other.init()
    expect(kids(rings[0]!)).toHaveLength(1)
    expect(kids(other)).toEqual(kids(rings[0]!))
    expect(other.current.kid).toBe(rings[0]!.current.kid)
  })

  it('publishes the next key ahead of its turn and switches to it on the clock, with no further write', async () => {
    const { store, clock, rings } = await setUp(1)
    const ring = rings[0]!
    const first = ring.current.kid

    clock.advance(ROTATION - AHEAD - 1)
    await ring.rotateIfDue()
    expect(kids(ring)).toEqual([first])

    clock.advance(1)
    await ring.rotateIfDue()
    const [next, current] = kids(ring)
    expect(current).toBe(first)
    expect(next).not.toBe(first)
    expect(ring.current.kid).toBe(first)
    expect((await stored(store)).map((key) => key.kid)).toEqual([next, first])

    const swap = vi.spyOn(store.keySets, 'swap')
    clock.advance(AHEAD - 1)
    expect(ring.current.kid).toBe(first)
    clock.advance(1)
    expect(ring.current.kid).toBe(next)
    await ring.rotateIfDue()
    expect(swap).not.toHaveBeenCalled()
  })

  it('keeps a retired key published for the token lifetime plus a minute, then drops it', async () => {
    const { clock, rings } = await setUp(1)
    const ring = rings[0]!
    const first = ring.current.kid
    clock.advance(ROTATION - AHEAD)
    await ring.rotateIfDue()
    clock.advance(AHEAD)
    const second = ring.current.kid
    expect(second).not.toBe(first)

    clock.advance(GRACE)
    await ring.rotateIfDue()
    expect(kids(ring)).toContain(first)
    clock.advance(1)
    await ring.rotateIfDue()
    expect(kids(ring)).not.toContain(first)
    expect(kids(ring)).toContain(second)
  })

  it('lets instances racing to rotate agree: one next key, the same set everywhere', async () => {
    const { clock, rings } = await setUp(4)
    for (let round = 0; round < 20; round++) {
      clock.advance(AHEAD / 2 + (round % 3))
      await Promise.all(rings.map((ring) => ring.rotateIfDue()))
      await Promise.all(rings.map((ring) => ring.refresh()))
      const sets = rings.map((ring) => kids(ring).join())
      expect(new Set(sets).size).toBe(1)
      const signing = new Set(rings.map((ring) => ring.current.kid))
      expect(signing.size).toBe(1)
      expect(kids(rings[0]!).length).toBeLessThanOrEqual(2 + Math.ceil(GRACE / ROTATION))
    }
  })

  it('merges instead of overwriting when two writers hold the lock at once (a lock outlived by a stall)', async () => {
    const { store, clock, rings } = await setUp(2)
    // Both "win" the lock, as when one writer stalls past the lock's expiry.
    vi.spyOn(store.keySets, 'putIfAbsent').mockResolvedValue(true)
    clock.advance(ROTATION - AHEAD)
    await Promise.all(rings.map((ring) => ring.rotateIfDue()))
    const final = (await stored(store)).map((key) => key.kid)
    expect(final).toHaveLength(2)
    await Promise.all(rings.map((ring) => ring.refresh()))
    expect(kids(rings[0]!)).toEqual(final)
    expect(kids(rings[1]!)).toEqual(final)
    clock.advance(AHEAD)
    expect(rings[0]!.current.kid).toBe(rings[1]!.current.kid)
  })

  it('puts its set back when the store has lost it, so tokens already issued keep verifying', async () => {
    const { store, rings, make } = await setUp(1)
    const before = kids(rings[0]!)
    await store.keySets.delete('current')
    await rings[0]!.rotateIfDue()
    expect((await stored(store)).map((key) => key.kid)).toEqual(before)
    const restarted = make()
    await restarted.init()
    expect(kids(restarted)).toEqual(before)
  })

  it('signs with the oldest key when its clock is behind the set (no key has taken over yet), and leaves the set alone', async () => {
    const { store, clock, make } = await setUp(1)
    const behind = make(() => clock.now() - 10_000)
    await behind.init()
    expect(behind.current.kid).toBe(kids(behind)[0])
    const swap = vi.spyOn(store.keySets, 'swap')
    await behind.rotateIfDue()
    expect(swap).not.toHaveBeenCalled()
  })

  it('reads sets written before activeFrom existed: the first key signs, retired ones verify', async () => {
    const { store, clock, make } = await setUp(1)
    const { activeFrom: _dropped, ...written } = (await stored(store))[0] as KeySetRecord['keys'][number] & {
      activeFrom?: number
    }
    const current = [written]
    const legacy: KeySetRecord = {
      keys: [
        { ...current[0]!, kid: 'new', publicJwk: { ...current[0]!.publicJwk, kid: 'new' } },
        {
          ...current[0]!,
          kid: 'old',
          publicJwk: { ...current[0]!.publicJwk, kid: 'old' },
          createdAt: clock.now() - 100_000,
          retiredAt: clock.now() - 1000,
        },
      ],
    }
    await store.keySets.put('current', legacy, 60_000)
    const ring = make()
    await ring.init()
    expect(ring.current.kid).toBe('new')
    expect(kids(ring)).toEqual(['new', 'old'])
    expect(await ring.publicKey('old')).toBeDefined()
  })

  it('re-reads the shared set for an unknown kid (a key another instance just made)', async () => {
    const { clock, rings, make } = await setUp(1)
    const other = make()
    await other.init()
    clock.advance(ROTATION - AHEAD)
    await rings[0]!.rotateIfDue()
    const made = kids(rings[0]!)[0]!
    expect(kids(other)).not.toContain(made)
    expect(await other.publicKey(made)).toBeDefined()
    expect(await other.publicKey('nonexistent')).toBeUndefined()
  })
})

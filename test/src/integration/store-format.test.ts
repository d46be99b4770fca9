import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Store } from '../../../server/src/store/index.js'
import { storeOnRedis } from '../support/redis-store.js'

const run = promisify(execFile)
const cli = async (...args: string[]) => (await run('redis-cli', ['-u', inject('redisUrl'), '--raw', ...args])).stdout.trim()

/**
 * On Redis, a table's get, put and delete go straight to the client (no keyv
 * call per operation) but must keep the record format keyv 5 reads and writes
 * with the store's JSON serializer, `{"value":…,"expires":<ms>}` under SET PX,
 * so records written before read back after (an upgrade never strands a login).
 */
describe('Redis records keep keyv’s format', () => {
  let store: Store
  const id = `format-${Date.now()}`
  const user = { id: 'acme:format', provider: 'acme', name: 'Format Test' }

  beforeAll(async () => {
    store = await storeOnRedis(inject('redisUrl'))
  })
  afterAll(() => store?.close())

  it('put writes keyv’s envelope with a PX lifetime', async () => {
    const before = Date.now()
    await store.logins.put(`${id}-a`, { user, createdAt: 1 }, 60_000)
    const raw = JSON.parse(await cli('GET', `bp:login:${id}-a`)) as { value: unknown; expires: number }
    expect(Object.keys(raw)).toEqual(['value', 'expires'])
    expect(raw.value).toEqual({ user, createdAt: 1 })
    expect(raw.expires).toBeGreaterThanOrEqual(before + 60_000)
    const ttl = Number(await cli('PTTL', `bp:login:${id}-a`))
    expect(ttl).toBeGreaterThan(55_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
  })

  it('get reads what keyv wrote; delete removes it', async () => {
    const written = JSON.stringify({ value: { user, createdAt: 2 }, expires: Date.now() + 60_000 })
    await cli('SET', `bp:login:${id}-b`, written, 'PX', '60000')
    expect(await store.logins.get(`${id}-b`)).toEqual({ user, createdAt: 2 })
    await store.logins.delete(`${id}-b`)
    expect(await cli('EXISTS', `bp:login:${id}-b`)).toBe('0')
    expect(await store.logins.get(`${id}-b`)).toBeUndefined()
  })

  it('a record whose envelope says it expired is absent, whatever Redis still holds', async () => {
    await cli(
      'SET',
      `bp:login:${id}-c`,
      JSON.stringify({ value: { user, createdAt: 3 }, expires: Date.now() - 1 }),
      'PX',
      '60000',
    )
    expect(await store.logins.get(`${id}-c`)).toBeUndefined()
  })
})

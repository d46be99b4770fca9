import { createClientCodePair, generateClientCode } from '@boarding-pass/shared'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startDevice, poll } from '../cross-device/device.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { beginFlow, signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import type { TestInstance } from '../support/boarding-pass.js'

const run = promisify(execFile)

/** `CHANNEL_SLOT` in server/src/flow/cross-device/events.ts. */
const CHANNEL_SLOT = 9769

/** `redis-cli -c` against the project's cluster (following MOVED), trimmed output. */
async function cli(...args: string[]): Promise<string> {
  const seed = new URL(inject('redisClusterNodes').split(',')[0]!)
  return (await run('redis-cli', ['-c', '-h', seed.hostname, '-p', seed.port, ...args])).stdout.trim()
}

/** The counters the first test spends, so that the later ones may sign in. */
async function resetLimits(): Promise<void> {
  for (const name of ['start', 'complete']) await cli('DEL', `bp:rl:${name}:127.0.0.1`)
}

describe('two instances on a real 6-node Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let service: Service
  let a: TestInstance
  let b: TestInstance

  beforeAll(async () => {
    // Rate limits on: the counters live in the cluster, and no other file of this project turns them on.
    service = await startService({
      instances: 2,
      env: { AUTH_RATE_LIMITS: 'on', AUTH_RATE_LIMIT_START: '6/60', AUTH_RATE_LIMIT_COMPLETE: '4/60' },
    })
    ;[a, b] = service.instances as [TestInstance, TestInstance]
  })
  afterAll(() => service?.close())

  it('rate limits trip on the cluster, counted across both instances, and the counter is a cluster key', async () => {
    const { clientCodeHash } = await createClientCodePair()
    const input = { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri: service.redirectUri }
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      statuses.push((await callProcedure((i % 2 ? b : a).address, 'auth.start', { mutation: input })).status)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    const refused = expectRefusal(await callProcedure(b.address, 'auth.start', { mutation: input }), 'rate_limited')
    expect(refused.data.path).toBe('auth.start')
    expectRefusal(await callProcedure(a.address, 'auth.start', { mutation: input }), 'rate_limited')
    expect(Number(await cli('GET', 'bp:rl:start:127.0.0.1'))).toBeGreaterThanOrEqual(7)

    const guess = (instance: TestInstance) =>
      callProcedure(instance.address, 'auth.complete', {
        mutation: { clientCode: generateClientCode(), serverCode: randomBytes(32).toString('base64url') },
      })
    for (let attempt = 0; attempt < 4; attempt++) expectRefusal(await guess(attempt % 2 ? a : b), 'invalid_grant')
    expectRefusal(await guess(a), 'rate_limited')
    expectRefusal(await guess(b), 'rate_limited')
  })

  it('keys are hash-tagged: a cross-device flow’s records keyed by its flowId share one slot', async () => {
    await resetLimits()
    const device = await startDevice(a.address, { provider: 'acme', deviceName: 'Hotel TV' })
    expect((await poll(b.address, device.flowId)).status).toBe(200)
    const keys = [`bp:dflow:{${device.flowId}}`, `bp:poll:{${device.flowId}}`]
    for (const key of keys) expect(await cli('EXISTS', key), key).toBe('1')
    const slots = await Promise.all(keys.map((key) => cli('CLUSTER', 'KEYSLOT', key)))
    expect(new Set(slots).size).toBe(1)
    expect(slots[0]).toBe(await cli('CLUSTER', 'KEYSLOT', device.flowId))

    const flow = await beginFlow(b.address, { redirectUri: service.redirectUri })
    expect(await cli('EXISTS', `bp:flow:{${flow.flowId}}`)).toBe('1')
    // The approvals' sharded channel: its slot, as events.ts has it written down for its watchdog.
    expect(Number(await cli('CLUSTER', 'KEYSLOT', 'bp:flow-events'))).toBe(CHANNEL_SLOT)
  })

  it('one key set for both instances, at bp:keys:{current}; a session index per user at bp:sessions:{<user id>}', async () => {
    await resetLimits()
    const jwks = async (instance: TestInstance) =>
      ((await (await fetch(`${instance.address}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys
    expect(await jwks(a)).toEqual(await jwks(b))
    const stored = JSON.parse(await cli('GET', 'bp:keys:{current}')) as { value: { keys: { kid: string }[] } }
    expect(stored.value.keys.map((key) => key.kid)).toEqual((await jwks(a)).map((key) => key.kid))

    // A name of its own: other files sign in on this cluster at the same time.
    const tokens = await signIn(a.address, { redirectUri: service.redirectUri, name: `Index ${randomBytes(6).toString('hex')}` })
    expect(await cli('HLEN', `bp:sessions:{${tokens.user.id}}`)).toBe('1')
    expect((await callProcedure(b.address, 'auth.me', { bearer: tokens.accessToken })).status).toBe(200)
  })
})

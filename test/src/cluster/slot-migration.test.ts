import { tokenResponse } from '@boarding-pass/shared'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { poll, startDevice, type StartedDevice } from '../cross-device/device.js'
import { expectRefusal } from '../support/refusal.js'
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js'
import { startService, type Service } from '../support/service.js'
import { obtainServerCode, signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { openedLatency } from './approval.js'

const run = promisify(execFile)

describe('slot migration while flows are pending (redis-cli --cluster reshard; private 6-node cluster, two instances)', () => {
  let cluster: RedisCluster
  let service: Service

  beforeAll(async () => {
    cluster = await startRedisCluster()
    service = await startService({ instances: 2, env: { REDIS_CLUSTER_NODES: cluster.seeds } })
  })
  afterAll(async () => {
    await service?.close()
    await cluster?.stop()
  })

  it('every slot of one master moves to another under traffic: nothing acknowledged is lost, and approvals still travel', async () => {
    const [a, b] = service.instances as [TestInstance, TestInstance]
    const other = (instance: TestInstance) => (instance === a ? b : a)

    // Acknowledged state, spread over every master: pending Server Codes, pending cross-device flows, logins.
    const codes = [] as Awaited<ReturnType<typeof obtainServerCode>>[]
    for (let i = 0; i < 12; i++) {
      codes.push(await againOnce503(() => obtainServerCode((i % 2 ? b : a).address, { redirectUri: service.redirectUri })))
    }
    const devices: StartedDevice[] = []
    for (let i = 0; i < 6; i++) devices.push(await startDevice((i % 2 ? b : a).address, { provider: 'acme' }))
    const logins = [] as { tokens: Awaited<ReturnType<typeof signIn>>; at: TestInstance }[]
    for (let i = 0; i < 4; i++) {
      const at = i % 2 ? b : a
      logins.push({ tokens: await signIn(at.address, { redirectUri: service.redirectUri, name: `User ${i}` }), at })
    }

    // The source: the master of the approvals' channel, so the sharded subscription has to follow its slot.
    const channelSlot = Number(await cluster.cli('CLUSTER', 'KEYSLOT', 'bp:flow-events'))
    const source = await cluster.masterOf(channelSlot)
    const sourceId = (await cluster.cliAt(source, 'CLUSTER', 'MYID')).trim()
    const masters = new Set<number>()
    for (const slot of [0, 6000, 12000, channelSlot]) masters.add(await cluster.masterOf(slot))
    const target = [...masters].find((port) => port !== source)!
    const targetId = (await cluster.cliAt(target, 'CLUSTER', 'MYID')).trim()
    const keysOnSource = Number((await cluster.cliAt(source, 'DBSIZE')).trim())
    expect(keysOnSource).toBeGreaterThan(0)
    const slotsOnSource = await countSlots(cluster, source)

    // Traffic while it moves: sign-ins and auth.me on both instances.
    const outcomes: string[] = []
    let moving = true
    const traffic = (async () => {
      for (let i = 0; moving; i++) {
        const at = i % 2 ? b : a
        try {
          const tokens = await signIn(at.address, { redirectUri: service.redirectUri, name: `Traffic ${i}` })
          const me = await callProcedure(other(at).address, 'auth.me', { bearer: tokens.accessToken })
          outcomes.push(me.status === 200 ? 'ok' : JSON.stringify(me.body).slice(0, 200))
        } catch (error) {
          outcomes.push(String(error).slice(0, 200))
        }
      }
    })()
    const started = performance.now()
    await run(
      'redis-cli',
      [
        '--cluster', 'reshard', `127.0.0.1:${source}`, '--cluster-from', sourceId, '--cluster-to', targetId,
        '--cluster-slots', String(slotsOnSource), '--cluster-yes', '--cluster-pipeline', '100',
      ], // prettier-ignore
      { maxBuffer: 64 * 1024 * 1024 },
    )
    const seconds = (performance.now() - started) / 1000
    moving = false
    await traffic
    await cluster.untilOk()
    expect(await countSlots(cluster, source)).toBe(0)
    expect(await cluster.masterOf(channelSlot)).toBe(target)
    process.stdout.write(
      `slot migration: ${slotsOnSource} slots (${keysOnSource} keys) moved in ${seconds.toFixed(1)} s; ` +
        `${outcomes.length} sign-ins + auth.me during it, ${outcomes.filter((outcome) => outcome !== 'ok').length} failed\n`,
    )
    // A call may be refused while its slot moves (a claim whose replica is slow to acknowledge, on a loaded
    // machine), but only as store_unavailable: never as an unknown flow or a spent code.
    expect(outcomes.filter((outcome) => outcome !== 'ok' && !/store_unavailable|\b503\b/.test(outcome))).toEqual([])
    expect(outcomes.filter((outcome) => outcome === 'ok').length).toBeGreaterThan(outcomes.length / 2)

    // Every acknowledged pending Server Code is still there, and redeems exactly once.
    for (const [i, code] of codes.entries()) {
      const input = { clientCode: code.flow.pair.clientCode, serverCode: code.serverCode }
      const first = await callProcedure((i % 2 ? a : b).address, 'auth.complete', { mutation: input })
      expect(first.status, JSON.stringify(first.body)).toBe(200)
      expectRefusal(await callProcedure((i % 2 ? b : a).address, 'auth.complete', { mutation: input }), 'invalid_grant')
    }
    // Every pending cross-device flow is still pending.
    for (const device of devices) {
      const status = await poll(b.address, device.flowId)
      expect(status.status, JSON.stringify(status.body)).toBe(200)
      expect(status.body.result!.data).toMatchObject({ status: 'pending' })
    }
    // Every login lives: it refreshes on the other instance, and is listed in its user's sessions.
    for (const { tokens, at } of logins) {
      const refreshed = await callProcedure(other(at).address, 'auth.refresh', {
        mutation: { refreshToken: tokens.refreshToken },
      })
      expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200)
      const next = tokenResponse.parse(refreshed.body.result!.data)
      const sessions = await callProcedure<{ sessions: { current: boolean }[] }>(at.address, 'auth.sessions', {
        bearer: next.accessToken,
      })
      expect(sessions.status).toBe(200)
      expect(sessions.body.result!.data.sessions.filter((session) => session.current)).toHaveLength(1)
    }
    // The approvals' channel moved with its slot: a watcher still hears the other instance at once.
    expect(await openedLatency(service.publicUrl, a, b)).toBeLessThan(1_000)
  })
})

/** How many slots the master on `port` serves. */
async function countSlots(cluster: RedisCluster, port: number): Promise<number> {
  const slots = JSON.parse(await cluster.cli('--json', 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][]
  return slots.filter(([, , [, owner]]) => owner === port).reduce((sum, [from, to]) => sum + (to - from + 1), 0)
}

/**
 * Set-up only, before anything moves: a claim on a fresh cluster answers 503
 * `store_unavailable` when a replica is slow to acknowledge it under load (the
 * WAIT in redis-cluster.ts), which the contract says to retry. The set-up
 * retries once; nothing this test asserts goes through here.
 */
async function againOnce503<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt()
  } catch (error) {
    if (!/\b503\b/.test(String(error))) throw error
    return attempt()
  }
}

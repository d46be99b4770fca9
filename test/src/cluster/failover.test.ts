import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js'
import { startService, type Service } from '../support/service.js'
import { obtainServerCode, signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { openedLatency } from './approval.js'

/** The store deadline (`STORE_TIMEOUT_MS`, server/src/store/deadline.ts): how long a call may wait on Redis. */
const STORE_TIMEOUT_MS = 1_000

/** One call made during the soak: when it was answered (performance.now()), how long it took, how it ended. */
interface Call {
  kind: 'login' | 'complete'
  at: number
  ms: number
  outcome: 'ok' | 'store_unavailable' | 'invalid_grant' | string
}

describe('failover: a master SIGKILLed mid-traffic (private 6-node cluster, two instances)', () => {
  let cluster: RedisCluster
  let service: Service

  beforeAll(async () => {
    cluster = await startRedisCluster()
    service = await startService({ instances: 2, env: { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_URL: undefined } })
  })
  afterAll(async () => {
    await service?.close()
    await cluster?.stop()
  })

  it('calls in between answer store_unavailable within the deadline, the replica takes over, the service recovers by itself, no Server Code is redeemed twice', async () => {
    const [a, b] = service.instances as [TestInstance, TestInstance]
    const calls: Call[] = []
    let killedAt = Number.POSITIVE_INFINITY
    let redemptions = 0
    let doubleRedemptions = 0
    const clock = () => performance.now() - killedAt

    /** One login: start + provider + callback on `first`, then `auth.complete` raced on both instances until decided. */
    async function oneLogin(first: TestInstance): Promise<void> {
      const started = performance.now()
      let code: Awaited<ReturnType<typeof obtainServerCode>>
      try {
        code = await obtainServerCode(first.address, { redirectUri: service.redirectUri })
      } catch (error) {
        const text = String(error)
        calls.push({
          kind: 'login',
          at: performance.now(),
          ms: performance.now() - started,
          outcome: /store_unavailable|\b503\b/.test(text) ? 'store_unavailable' : text.slice(0, 120),
        })
        return
      }
      calls.push({ kind: 'login', at: performance.now(), ms: performance.now() - started, outcome: 'ok' })
      const input = { clientCode: code.flow.pair.clientCode, serverCode: code.serverCode }
      let won = 0
      for (let round = 0; round < 40; round++) {
        const answers = await Promise.all(
          [a, b].map(async (instance) => {
            const sent = performance.now()
            const response = await callProcedure(instance.address, 'auth.complete', { mutation: input })
            const reason =
              response.status === 200 ? 'ok' : String((response.body.error as { data?: { reason?: string } })?.data?.reason)
            calls.push({ kind: 'complete', at: performance.now(), ms: performance.now() - sent, outcome: reason })
            return reason
          }),
        )
        won += answers.filter((answer) => answer === 'ok').length
        if (!answers.includes('store_unavailable')) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      redemptions += Math.min(won, 1)
      if (won > 1) doubleRedemptions++
    }

    let stop = false
    const workers = [0, 1, 2].map(async (worker) => {
      for (let i = 0; !stop; i++) await oneLogin((worker + i) % 2 ? b : a)
    })
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    // The master of the approvals' sharded channel: its subscription must move with the failover.
    const slot = Number(await cluster.cli('CLUSTER', 'KEYSLOT', 'bp:flow-events'))
    const victimPort = await cluster.masterOf(slot)
    killedAt = performance.now()
    await cluster.nodes.find((node) => node.port === victimPort)!.kill()
    // When the cluster itself has promoted the replica (what the service can do no better than).
    let promotedAt = Number.POSITIVE_INFINITY
    const watchPromotion = (async () => {
      while (performance.now() - killedAt < 60_000) {
        const master = await cluster.masterOf(slot).catch(() => victimPort)
        if (master !== victimPort) {
          promotedAt = performance.now() - killedAt
          return
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()

    // Traffic goes on until the cluster has promoted the replica and every call has succeeded for 2 s.
    const deadline = performance.now() + 60_000
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      const lastFailure = Math.max(
        killedAt,
        ...calls.filter((call) => call.outcome === 'store_unavailable').map((call) => call.at),
      )
      if (
        clock() > 4_000 &&
        performance.now() - lastFailure > 2_000 &&
        calls.some((call) => call.at > lastFailure && call.outcome === 'ok')
      )
        break
    }
    stop = true
    await Promise.all(workers)
    await watchPromotion

    for (const call of calls) call.at -= killedAt // ms since the kill, answered
    const failures = calls.filter((call) => call.outcome === 'store_unavailable')
    const unexpected = calls.filter((call) => !['ok', 'store_unavailable', 'invalid_grant'].includes(call.outcome))
    const firstFailure = Math.min(...failures.map((call) => call.at))
    const lastFailure = Math.max(...failures.map((call) => call.at))
    const promotedAfter = await cluster.masterOf(slot)
    process.stdout.write(
      `failover: ${calls.length} calls, ${redemptions} redemptions, ${doubleRedemptions} double; ` +
        `store_unavailable ${failures.length} calls from ${(firstFailure / 1000).toFixed(2)} s to ${(lastFailure / 1000).toFixed(2)} s after the kill ` +
        `(${((lastFailure - firstFailure) / 1000).toFixed(2)} s; ${failures.filter((call) => call.at < 0).length} of them before it); recovered ${(lastFailure / 1000).toFixed(2)} s after the kill; ` +
        `slowest auth.complete refused store_unavailable: ${Math.max(0, ...failures.filter((call) => call.kind === 'complete').map((call) => call.ms)).toFixed(0)} ms; ` +
        `the cluster promoted the replica ${(promotedAt / 1000).toFixed(2)} s after the kill; ` +
        `slot ${slot} (bp:flow-events) moved from :${victimPort} to :${promotedAfter}\n`,
    )
    expect(unexpected, JSON.stringify(unexpected.slice(0, 5))).toEqual([])
    expect(doubleRedemptions).toBe(0)
    // Before the kill, calls succeed: a rare store_unavailable is a claim whose replica did not acknowledge
    // within 500 ms (a starved machine), refused rather than risked.
    const beforeKill = calls.filter((call) => call.at < -1_000)
    expect(beforeKill.filter((call) => call.outcome === 'store_unavailable').length).toBeLessThanOrEqual(
      Math.ceil(beforeKill.length * 0.05),
    )
    expect(promotedAfter).not.toBe(victimPort)
    expect(failures.length).toBeGreaterThan(0)
    // A single auth.complete refused as unavailable answers within the store deadline (plus scheduling slack on a
    // loaded machine: the HTTP round trip, and timers that fire late).
    const slowest = Math.max(0, ...failures.filter((call) => call.kind === 'complete').map((call) => call.ms))
    expect(slowest).toBeLessThan(STORE_TIMEOUT_MS + 1_000)
    // Recovered by itself: the last failure is seconds after the kill, and calls answered after it succeed.
    // The cluster promotes the replica in seconds (node timeout 2 s + election; longer only on a starved machine),
    // and the service follows it within a few seconds more, by itself.
    expect(promotedAt).toBeLessThan(45_000)
    expect(lastFailure - promotedAt).toBeLessThan(5_000)
    expect(calls.some((call) => call.at > lastFailure && call.outcome === 'ok')).toBe(true)

    // Approvals reach watchers on the other instance through the promoted master's channel.
    const latency = await openedLatency(service.publicUrl, a, b)
    process.stdout.write(`failover: after it, "opened" reached the watcher on the other instance in ${latency.toFixed(1)} ms\n`)
    expect(latency).toBeLessThan(1_000)

    // And the service is whole again on both instances.
    for (const instance of [a, b]) {
      const tokens = await signIn(instance.address, { redirectUri: service.redirectUri })
      expect((await callProcedure(b.address, 'auth.me', { bearer: tokens.accessToken })).status).toBe(200)
    }
  })
})

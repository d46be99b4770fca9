// The load generator: one autocannon run in its own process (forked per round by run.mjs),
// so the server under test never shares a core's event loop with the client.
//
// Job (one IPC message):
//   { url, method, path, headers, connections, amount, body?, bodies?, collect? }
//   bodies: one distinct body per request (a pool of at least amount + 2 × connections;
//           autocannon builds one request per connection up front that it never sends).
//   collect: a field of the response's data to collect ('flowId'), for the memory check.
//   watch: { server: pid, others: [pid] }: processes whose CPU time is read over the run; the server's
//          counts every process below it too (a node:cluster primary and its workers).
// Answer: { sent, completed, statuses, non2xx, errors, timeouts, seconds, rate, latency, cpu, collected }
import autocannon from 'autocannon'
import { performance } from 'node:perf_hooks'
import { machineBusySeconds, processCpuSeconds, processTreeCpuSeconds } from './processes.mjs'

/** A body that no server accepts: sent only if a pool runs dry, so the shortfall shows as non-2xx. */
const EXHAUSTED = '{"exhausted":true}'

function percentile(sorted, p) {
  if (sorted.length === 0) return undefined
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

function run(job) {
  return new Promise((resolve, reject) => {
    const latencies = new Float64Array(job.amount + job.connections * 4)
    const statuses = {}
    const collected = []
    let completed = 0
    let handedOut = 0
    let first = 0
    let last = 0

    const request = { method: job.method, path: job.path, headers: job.headers }
    if (job.bodies) {
      const bodies = job.bodies
      request.setupRequest = (req) => ({ ...req, body: bodies[handedOut++] ?? EXHAUSTED })
    } else if (job.body !== undefined) {
      request.body = job.body
    }
    if (job.collect) {
      request.onResponse = (status, body) => {
        if (status !== 200) return
        try {
          collected.push(JSON.parse(body).result.data[job.collect])
        } catch {
          // counted as a status already; nothing to collect
        }
      }
    }

    const watched = () => ({
      server: job.watch?.server ? processTreeCpuSeconds(job.watch.server) : 0,
      serverRoot: job.watch?.server ? processCpuSeconds(job.watch.server) : 0,
      others: (job.watch?.others ?? []).reduce((sum, pid) => sum + processCpuSeconds(pid), 0),
      machine: machineBusySeconds(),
    })
    const cpuBefore = process.cpuUsage()
    const watchedBefore = watched()
    const startedAt = performance.now()
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        pipelining: 1,
        amount: job.amount,
        timeout: 10,
        requests: [request],
      },
      (error, result) => {
        if (error) return reject(error)
        const wall = (performance.now() - startedAt) / 1000
        const own = process.cpuUsage(cpuBefore)
        const watchedAfter = watched()
        const loader = (own.user + own.system) / 1e6
        const server = watchedAfter.server - watchedBefore.server
        const serverRoot = watchedAfter.serverRoot - watchedBefore.serverRoot
        const others = watchedAfter.others - watchedBefore.others
        const machine = watchedAfter.machine - watchedBefore.machine
        const seconds = (last - startedAt) / 1000
        const sorted = latencies.subarray(0, completed).sort()
        resolve({
          sent: result.requests.sent,
          completed,
          statuses,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          seconds,
          rate: seconds > 0 ? completed / seconds : 0,
          firstResponseMs: first - startedAt,
          latency: {
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            max: sorted[sorted.length - 1],
          },
          poolUsed: handedOut,
          cpu: {
            // /proc times tick at 10 ms: per-request figures are good to a few percent over a 2 s round.
            serverUsPerRequest: completed ? (server * 1e6) / completed : undefined,
            // Of which the top process's own (with workers: the node:cluster primary's; else all of it).
            serverRootUsPerRequest: completed ? (serverRoot * 1e6) / completed : undefined,
            othersUsPerRequest: completed && job.watch?.others?.length ? (others * 1e6) / completed : undefined,
            serverCores: server / wall,
            loaderCores: loader / wall,
            // Everything else the machine did meanwhile: the other people sharing it.
            foreignCores: Math.max(0, (machine - server - others - loader) / wall),
          },
          collected: job.collect ? collected : undefined,
        })
      },
    )
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const now = performance.now()
      if (completed === 0) first = now
      last = now
      if (completed < latencies.length) latencies[completed] = responseTime
      completed++
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
    })
    const deadline = setTimeout(() => instance.stop(), job.deadlineMs ?? 120_000)
    instance.on('done', () => clearTimeout(deadline))
  })
}

// The parent is gone (interrupted, failed): nobody wants the answer.
process.on('disconnect', () => process.exit(0))

process.once('message', async (job) => {
  try {
    process.send({ result: await run(job) }, () => process.exit(0))
  } catch (error) {
    process.send({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1))
  }
})

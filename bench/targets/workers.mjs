// A target as WEB_CONCURRENCY=N runs it: N node:cluster workers sharing one port behind a
// primary (the mechanism of server/src/main.ts, runWorkers: cluster.fork with the default
// scheduling, so the primary accepts connections and hands them round robin to the workers).
// Both Boarding Pass and the bare node:http baseline run under this same primary, so their
// 1-to-N scaling factors are comparable.
//
// Env: WORKERS (N), WORKER_SCRIPT (targets/boarding-pass.mjs or targets/bare-http.mjs), and the
// target's own settings. The parent talks to this primary as to any target (lib/processes.mjs
// startChild): its calls are relayed to the first worker (pre-minted codes live in the shared
// Redis, so any worker accepts them), and `info.pid` is the primary's, so the CPU read over a
// round (lib/load.mjs) covers the primary and every worker.
import cluster from 'node:cluster'

const count = Number(process.env.WORKERS)
const script = process.env.WORKER_SCRIPT
if (!Number.isInteger(count) || count < 1 || !script) {
  process.stderr.write('workers.mjs: set WORKERS (≥ 1) and WORKER_SCRIPT\n')
  process.exit(1)
}

cluster.setupPrimary({ exec: script, serialization: 'advanced' })
const workers = []
const ready = []
let stopping = false

for (let i = 0; i < count; i++) {
  const worker = cluster.fork()
  workers.push(worker)
  worker.on('message', (message) => {
    if (message?.ready) {
      ready[i] = message.ready
      if (ready.filter(Boolean).length === count) {
        process.send({ ready: { ...ready[0], pid: process.pid, workers: workers.map((w) => w.process.pid) } })
      }
      return
    }
    // Answers come from the first worker only: it is the one the calls go to.
    if (i === 0) process.send(message)
  })
  worker.once('exit', (code, signal) => {
    if (stopping) return
    // A bench with a worker missing measures something else: stop, and let the parent see it.
    process.stderr.write(`workers.mjs: worker ${worker.process.pid} exited (${signal ?? code})\n`)
    stop(1)
  })
}

process.on('message', (message) => workers[0].send(message))

function stop(code) {
  if (stopping) return
  stopping = true
  const alive = workers.filter((w) => w.process.exitCode === null && w.process.signalCode === null)
  if (alive.length === 0) process.exit(code)
  let left = alive.length
  for (const worker of alive) {
    worker.once('exit', () => --left === 0 && process.exit(code))
    worker.process.kill('SIGTERM')
  }
  setTimeout(() => {
    for (const worker of alive) worker.process.kill('SIGKILL')
    process.exit(code || 1)
  }, 5_000).unref()
}

process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))
process.on('disconnect', () => stop(0))

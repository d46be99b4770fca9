// Child processes for the bench: start one, talk to it over IPC, read its CPU time and memory from /proc.
import { fork, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisCluster as startCluster } from '../../test/soak/redis-cluster.mjs'

/** A TCP port on loopback that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Forks `script` with an IPC channel and waits for its `{ ready }` message.
 * Returns a handle whose `call(op, args)` sends a request and resolves with the
 * child's answer (see `serveRequests`).
 */
export async function startChild(
  script,
  { args = [], env = {}, execArgv = [], stdout = 'ignore', readyTimeoutMs = 30_000 } = {},
) {
  const child = fork(script, args, {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', stdout, 'pipe', 'ipc'],
    serialization: 'advanced',
  })
  forwardStderr(child.stderr)
  const pending = new Map()
  let nextId = 1
  let exited = false
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script}: not ready within ${readyTimeoutMs} ms`)), readyTimeoutMs)
    child.on('message', (message) => {
      if (message?.ready) {
        clearTimeout(timer)
        resolve(message.ready)
        return
      }
      const waiter = pending.get(message?.id)
      if (!waiter) return
      pending.delete(message.id)
      if (message.error) waiter.reject(new Error(`${script}: ${message.error}`))
      else waiter.resolve(message.result)
    })
    child.once('exit', (code, signal) => {
      exited = true
      clearTimeout(timer)
      const error = new Error(`${script} exited (${signal ?? code})`)
      reject(error)
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
    })
  })
  const info = await ready
  return {
    pid: child.pid,
    info,
    child,
    call(op, args = {}) {
      if (exited) return Promise.reject(new Error(`${script} is not running`))
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        child.send({ id, op, ...args })
      })
    },
    async stop() {
      if (exited) return
      const gone = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await gone
      clearTimeout(timer)
    },
  }
}

/** oidc-provider's start-up warnings (dev adapter, Node version) say nothing about a bench: dropped. */
function forwardStderr(stream) {
  let rest = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop()
    for (const line of lines) if (!line.startsWith('oidc-provider WARNING:')) process.stderr.write(`${line}\n`)
  })
  stream.on('end', () => rest && process.stderr.write(`${rest}\n`))
}

/**
 * The child's side: answers `{ id, op, ...args }` messages with `handlers[op](args)`,
 * then tells the parent it is ready with `info`.
 */
export function serveRequests(handlers, info) {
  process.on('message', async (message) => {
    const { id, op, ...args } = message ?? {}
    try {
      const handler = handlers[op]
      if (!handler) throw new Error(`unknown op ${op}`)
      process.send({ id, result: await handler(args) })
    } catch (error) {
      process.send({ id, error: error instanceof Error ? error.message : String(error) })
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: info })
}

/** Starts a throwaway redis-server on a free loopback port, with no persistence. */
export async function startRedis() {
  const port = await freePort()
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const failed = new Promise((_, reject) => redis.once('error', reject))
  const deadline = Date.now() + 10_000
  for (;;) {
    if (redis.exitCode !== null) throw new Error(`redis-server exited (${redis.exitCode})`)
    if (await portAnswers(port)) break
    if (Date.now() > deadline) throw new Error('redis-server did not listen within 10 s')
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), failed])
  }
  return {
    pid: redis.pid,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (redis.exitCode !== null) return
      const gone = new Promise((resolve) => redis.once('exit', resolve))
      redis.kill('SIGTERM')
      await gone
    },
  }
}

/**
 * Starts a throwaway Redis Cluster on loopback: six `redis-server --cluster-enabled yes`
 * (no persistence, files in a temporary directory) joined by `redis-cli --cluster create …
 * --cluster-replicas 1` into 3 masters with a replica each. Resolves once every node reports
 * `cluster_state:ok` and every replica is in sync (the server's claims wait for one replica's
 * acknowledgement: without replicas they would be measured cheaper than they are). The soak's
 * start-up (test/soak/redis-cluster.mjs), with a 5 s node timeout, so a node slowed by the load
 * is not failed over mid-measurement.
 */
export async function startRedisCluster() {
  return startCluster(mkdtempSync(join(tmpdir(), 'bp-bench-cluster-')), undefined, { nodeTimeoutMs: 5_000 })
}

function portAnswers(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Clock ticks per second for /proc CPU times (USER_HZ: 100 on Linux). */
const HZ = 100

/** CPU seconds a process has used so far (user + system), from /proc/<pid>/stat. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / HZ
  } catch {
    return 0
  }
}

/** `pid` and every process below it (node:cluster workers), from /proc/<pid>/task/<tid>/children. */
export function processTree(pid) {
  const out = [pid]
  for (let i = 0; i < out.length; i++) {
    let tasks = []
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`)
    } catch {
      continue
    }
    for (const tid of tasks) {
      try {
        const children = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim()
        if (children) out.push(...children.split(/\s+/).map(Number))
      } catch {
        // the thread or process ended meanwhile
      }
    }
  }
  return out
}

/** CPU seconds used so far by `pid` and every process below it (a node:cluster primary and its workers). */
export function processTreeCpuSeconds(pid) {
  return processTree(pid).reduce((sum, member) => sum + processCpuSeconds(member), 0)
}

/** Busy CPU seconds of the whole machine so far, all cores (from /proc/stat). */
export function machineBusySeconds() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
  return (user + nice + system + irq + softirq + steal) / HZ
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function processRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status)
  return match ? Number(match[1]) * 1024 : undefined
}

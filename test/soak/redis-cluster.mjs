// A real 6-node Redis Cluster on loopback for `pnpm soak --cluster` and `pnpm bench` (3 masters, 3 replicas,
// no persistence), and the few commands the soak sends it itself. Follows test/src/support/redis-cluster.ts
// (the vitest projects' typed copy, with the helpers those tests use).
import { execFile, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Starts six `redis-server --cluster-enabled yes` (their files in `dir`) and joins them with `redis-cli
 * --cluster create … --cluster-replicas 1`; resolves once every node reports `cluster_state:ok` and every
 * replica is in sync with its master. `track(child)` is called for every process started, so the caller
 * can kill it on any exit. `nodeTimeoutMs` is `--cluster-node-timeout` (2 s: a failover in seconds; the
 * bench uses more, so a node slowed by the load is not failed over mid-measurement).
 *
 * @returns `{ nodes: [{ port, pid, kill() }], ports, pids, seeds, stop() }`; `seeds` is `REDIS_CLUSTER_NODES`;
 * `stop()` also removes `dir`.
 */
export async function startRedisCluster(dir, track = () => undefined, { nodeTimeoutMs = 2_000 } = {}) {
  const nodes = []
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const taken = new Set()
    for (let i = 0; i < 6; i++) {
      const port = await clusterPort(taken)
      taken.add(port).add(port + 10_000)
      const child = spawn(
        'redis-server',
        [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(nodeTimeoutMs),
          '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--dir', dir,
        ], // prettier-ignore
        { stdio: 'ignore' },
      )
      track(child)
      const exited = new Promise((resolve) => child.once('exit', resolve))
      nodes.push({
        port,
        pid: child.pid,
        /** SIGKILL, as a crashed machine; resolves once it is gone. */
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
          await exited
        },
      })
    }
    for (const node of nodes) await untilAnswers(node.port)
    await run('redis-cli', [
      '--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas', '1', '--cluster-yes',
    ]) // prettier-ignore
    // Every node must agree before the instances read the topology from any of them.
    for (const node of nodes) {
      await until(`node ${node.port} to report cluster_state:ok`, async () => {
        const info = await command(node.port, 'CLUSTER', 'INFO')
        return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info)
      })
    }
    // Every replica in sync, so the failover round has a replica to promote (and claims a replica to WAIT for).
    for (const node of nodes) {
      await until(`node ${node.port} to be a master with a replica online, or a replica in sync`, async () => {
        const info = await command(node.port, 'INFO', 'replication')
        return /role:slave/.test(info) ? /master_link_status:up/.test(info) : /slave0:.*state=online/.test(info)
      })
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    nodes,
    ports: nodes.map((node) => node.port),
    pids: nodes.map((node) => node.pid),
    seeds: nodes.map((node) => `redis://127.0.0.1:${node.port}`).join(','),
    stop,
  }
}

/**
 * `CLUSTER NODES` of the node on `port`, parsed: `{ id, port, flags: string[], masterId, slots: [from, to][] }`
 * for each node it knows of.
 */
export async function clusterNodes(port) {
  const text = await command(port, 'CLUSTER', 'NODES')
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slots] = line.trim().split(' ')
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        flags: flags.split(','),
        masterId,
        // Single slots and ranges; migrating/importing entries ("[…]") are not served yet.
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot) => slot.split('-').map(Number))
          .map(([from, to]) => [from, to ?? from]),
      }
    })
}

/**
 * One command to the Redis on `port` over a fresh connection (RESP), without a client library:
 * resolves with a simple string, integer or bulk string reply; rejects on an error reply or after `ms`.
 */
export function command(port, ...args) {
  const ms = 2_000
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () =>
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`),
    )
    let received = Buffer.alloc(0)
    const done = (settle, value) => {
      socket.destroy()
      settle(value)
    }
    socket.setTimeout(ms, () => done(reject, new Error(`redis :${port} did not answer ${args[0]} within ${ms} ms`)))
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk])
      const reply = parseReply(received)
      if (reply === undefined) return
      if (reply instanceof Error) done(reject, reply)
      else done(resolve, reply)
    })
    socket.once('error', (error) => done(reject, error))
    socket.once('close', () => done(reject, new Error(`redis :${port} closed the connection`)))
  })
}

/** A whole RESP reply in `buffer` (simple string, error, integer, bulk string), or undefined if not all there yet. */
function parseReply(buffer) {
  const eol = buffer.indexOf('\r\n')
  if (eol < 0) return undefined
  const head = buffer.subarray(1, eol).toString()
  switch (String.fromCharCode(buffer[0])) {
    case '+':
      return head
    case '-':
      return new Error(head)
    case ':':
      return Number(head)
    case '$': {
      const length = Number(head)
      if (length < 0) return null
      if (buffer.length < eol + 2 + length + 2) return undefined
      return buffer.subarray(eol + 2, eol + 2 + length).toString()
    }
    default:
      return new Error(`unexpected reply ${JSON.stringify(buffer.subarray(0, 20).toString())}`)
  }
}

/** The cluster bus listens on port + 10000: both must be free, and below the kernel's ephemeral range. */
async function clusterPort(taken) {
  const free = (port) =>
    new Promise((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 2_700)
    if (taken.has(port) || taken.has(port + 10_000)) continue
    if ((await free(port)) && (await free(port + 10_000))) return port
  }
  throw new Error('no free port pair for a cluster node')
}

function untilAnswers(port) {
  return until(`redis-server on ${port} to answer PING`, async () => (await command(port, 'PING')) === 'PONG')
}

/** Polls `check` (a failed check counts as false) every 100 ms until true, 30 s at most. */
async function until(what, check) {
  const deadline = Date.now() + 30_000
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

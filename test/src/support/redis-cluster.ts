import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { waitForPong } from './redis-server.js'

const run = promisify(execFile)

/** One redis-server of a {@link RedisCluster}. */
export interface ClusterNode {
  port: number
  url: string
  /** Kills it at once (SIGKILL), as a crashed machine would; resolves once it is gone. */
  kill(): Promise<void>
}

/** A real Redis Cluster on loopback: 3 masters, 3 replicas, `--cluster-node-timeout 2000`. */
export interface RedisCluster {
  nodes: ClusterNode[]
  /** `REDIS_CLUSTER_NODES`: every node's `redis://127.0.0.1:port`, comma-separated. */
  seeds: string
  /** One `redis-cli -c` command against a live node (following redirects); its raw output. */
  cli(...args: string[]): Promise<string>
  /** One `redis-cli` command against the node on `port` (no redirects). */
  cliAt(port: number, ...args: string[]): Promise<string>
  /** The port of the master serving `slot` now (CLUSTER SHARDS from a live node). */
  masterOf(slot: number): Promise<number>
  /** Resolves once a live node reports `cluster_state:ok` and every slot is served (`ms` at most). */
  untilOk(ms?: number): Promise<void>
  /** Resolves once every live master has a replica online (`ms` at most). */
  untilReplicated(ms?: number): Promise<void>
  stop(): Promise<void>
}

/** The cluster bus listens on port + 10000: both must be free, and below the ephemeral range. */
async function clusterPort(taken: Set<number>): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
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

/**
 * Starts six `redis-server --cluster-enabled yes` in temporary directories and
 * joins them with `redis-cli --cluster create … --cluster-replicas 1`; resolves
 * once the cluster reports `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'bp-redis-cluster-'))
  const taken = new Set<number>()
  const children: ChildProcess[] = []
  const nodes: ClusterNode[] = []
  const dead = new Set<number>()
  try {
    for (let i = 0; i < 6; i++) {
      const port = await clusterPort(taken)
      taken.add(port)
      taken.add(port + 10_000)
      const child = spawn(
        'redis-server',
        [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
          '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--dir', dir,
        ], // prettier-ignore
        { stdio: 'ignore' },
      )
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      children.push(child)
      nodes.push({
        port,
        url: `redis://127.0.0.1:${port}`,
        async kill() {
          dead.add(port)
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
          await exited
        },
      })
    }
    await Promise.all(nodes.map((node) => waitForPong(node.port)))
    await run('redis-cli', [
      '--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas', '1', '--cluster-yes',
    ]) // prettier-ignore
  } catch (error) {
    for (const child of children) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw error
  }

  const live = () => nodes.find((node) => !dead.has(node.port))!
  const cliAt = async (port: number, ...args: string[]) =>
    (await run('redis-cli', ['-p', String(port), ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout
  const cluster: RedisCluster = {
    nodes,
    seeds: nodes.map((node) => node.url).join(','),
    cli: async (...args) => cliAt(live().port, '-c', ...args),
    cliAt,
    async masterOf(slot) {
      const slots = (await cliAt(live().port, '--json', 'CLUSTER', 'SLOTS').catch(() => '')) || ''
      const parsed = slots ? (JSON.parse(slots) as [number, number, [string, number, string]][]) : []
      const range = parsed.find(([from, to]) => from <= slot && slot <= to)
      if (!range) throw new Error(`no master serves slot ${slot}`)
      return Number(range[2][1])
    },
    async untilOk(ms = 20_000) {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        const info = await cliAt(live().port, 'CLUSTER', 'INFO').catch(() => '')
        if (/cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info)) return
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error('the Redis Cluster did not reach cluster_state:ok')
    },
    async untilReplicated(ms = 30_000) {
      const deadline = Date.now() + ms
      for (const node of nodes.filter((candidate) => !dead.has(candidate.port))) {
        while (true) {
          const info = await cliAt(node.port, 'INFO', 'replication').catch(() => '')
          if (/role:slave/.test(info) || /slave0:.*state=online/.test(info)) break
          if (Date.now() > deadline) throw new Error(`master ${node.port} has no replica online`)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.kill()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await cluster.untilOk()
  // Every node must agree before clients read the topology from any of them.
  for (const node of nodes) {
    const deadline = Date.now() + 20_000
    while (!/cluster_state:ok/.test(await cliAt(node.port, 'CLUSTER', 'INFO'))) {
      if (Date.now() > deadline) throw new Error(`node ${node.port} never saw cluster_state:ok`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  await cluster.untilReplicated()
  return cluster
}

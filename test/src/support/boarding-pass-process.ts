import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { App } from '@boarding-pass/server'
import type { StartOptions, TestInstance } from './boarding-pass.js'
import { MAIN } from './main-process.js'
import { freePort } from './ports.js'
import { untilReady } from './ready.js'
import { startPrivateRedis, type PrivateRedis } from './redis-server.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from './third-party-provider.js'

const run = promisify(execFile)

/** Counts each worker's requests in a file of its own (worker-probe.mjs); passed to node with `--import`. */
const PROBE = new URL('./worker-probe.mjs', import.meta.url).href

/** One child-process instance as this test file saw it: its worker processes and how many requests each served. */
export interface InstanceProcess {
  /** The primary's pid. */
  pid: number
  /** Its worker children, seen once it was ready. */
  workers: number[]
  /** Requests each worker received between readiness and close; set by `close()`. */
  served?: Map<number, number>
  closed: boolean
  close(): Promise<void>
}

const started: InstanceProcess[] = []

/** Every child-process instance this test file started (the web-concurrency setup file checks them after the file). */
export function instanceProcesses(): readonly InstanceProcess[] {
  return started
}

/**
 * Starts the built server (`server/dist/main.js`) as a child process with
 * WEB_CONCURRENCY=`workers`: a primary that forks that many node:cluster
 * workers on one port, each a whole instance. Otherwise as
 * `startBoardingPass`: `env` as given, PORT `port` or a free one, HOST
 * 127.0.0.1, LOG_LEVEL info, and the same readiness wait. What workers
 * refuse is stood in for, each stopped with the instance: an `env` that names
 * no store (an in-process store, private to the instance) gets a private
 * redis-server of its own, and one that names no provider (the built-in
 * development provider, which lives in one process) a third-party provider
 * (`acme`) of its own.
 *
 * Resolves once every worker listens (the primary's banner), the instance is
 * ready and the primary has exactly `workers` children; rejects with the
 * server's own stderr if it refuses to start. `close()` sends SIGTERM and
 * rejects unless the primary exits 0 without having replaced a worker.
 */
export async function startBoardingPassProcess(
  workers: number,
  env: Record<string, string | undefined>,
  port: number | undefined,
  options: StartOptions,
): Promise<TestInstance> {
  if (options.now) {
    throw new Error('a fake clock (options.now) cannot reach a child process: skip this test when !instancesInProcess()')
  }
  const listenPort = port ?? (await freePort())
  const given = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
  const redis: PrivateRedis | undefined = given.REDIS_URL || given.REDIS_CLUSTER_NODES ? undefined : await startPrivateRedis()
  const idp: ThirdPartyProvider | undefined = given.AUTH_PROVIDERS
    ? undefined
    : await startThirdPartyProvider({
        redirectUris: [`${given.PUBLIC_URL ?? `http://localhost:${listenPort}`}/auth/callback`],
      })
  const probeDir = mkdtempSync(join(tmpdir(), 'bp-workers-'))
  const child = spawn(process.execPath, ['--import', `${PROBE}?dir=${encodeURIComponent(probeDir)}`, MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      ...(redis ? { REDIS_URL: redis.url } : {}),
      ...(idp
        ? { AUTH_PROVIDERS: 'acme', AUTH_ACME_ISSUER: idp.issuer, AUTH_ACME_ID: idp.clientId, AUTH_ACME_SECRET: idp.clientSecret }
        : {}),
      ...given,
      PORT: String(listenPort),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: String(workers),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const logs: string[] = []
  let publicUrl: string | undefined
  let partial = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n')
    partial = lines.pop()!
    for (const line of lines) {
      // The primary's banner is for a person at a terminal; every other line is a worker's log line.
      const banner = /^ {2}Boarding Pass is running: open (\S+)$/.exec(line)
      if (banner) publicUrl = banner[1]
      else if (line.trim()) logs.push(line)
    }
  })
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const cleanUp = async () => {
    rmSync(probeDir, { recursive: true, force: true })
    await Promise.all([redis?.stop(), idp?.close()])
  }

  const address = `http://127.0.0.1:${listenPort}`
  let children: number[]
  let baseline: Map<number, number>
  try {
    const deadline = Date.now() + 30_000
    while (!publicUrl) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`boarding-pass exited (${child.exitCode ?? child.signalCode}) before it ran: ${stderr.trim()}`)
      }
      if (Date.now() > deadline) throw new Error(`boarding-pass did not start within 30 s: ${stderr.trim()}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    if (options.waitUntilReady ?? true) await untilReady(address, 5_000)
    children = await childrenOf(child.pid!)
    if (children.length !== workers) {
      throw new Error(`WEB_CONCURRENCY=${workers}, but the primary has ${children.length} children (${children.join(', ')})`)
    }
    baseline = countsIn(probeDir)
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
    await cleanUp()
    throw error
  }

  let closing: Promise<void> | undefined
  const record: InstanceProcess = {
    pid: child.pid!,
    workers: children,
    closed: false,
    close: () =>
      (closing ??= (async () => {
        try {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          let timer: NodeJS.Timeout | undefined
          const code = await Promise.race([
            exited,
            new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 20_000))),
          ])
          clearTimeout(timer)
          if (code === 'timeout') {
            child.kill('SIGKILL')
            await exited
          }
          const counts = countsIn(probeDir)
          record.served = new Map(children.map((pid) => [pid, (counts.get(pid) ?? 0) - (baseline.get(pid) ?? 0)]))
          record.closed = true
          if (code !== 0)
            throw new Error(`boarding-pass (WEB_CONCURRENCY=${workers}) did not exit 0 on SIGTERM (${code}): ${stderr.trim()}`)
          // The primary replaces a worker that dies, so a crash in a test would otherwise go unseen.
          if (/worker \d+ exited/.test(stderr)) throw new Error(`a worker died while the tests ran: ${stderr.trim()}`)
        } finally {
          await cleanUp()
        }
      })()),
  }
  started.push(record)
  return {
    url: publicUrl,
    address,
    get app(): App {
      throw new Error(
        'instance.app: this instance is the built server in a child process (web-concurrency project); ' +
          'a test that needs its internals runs only when instancesInProcess()',
      )
    },
    logs,
    close: record.close,
  }
}

/** The pids of `pid`'s child processes. */
async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }))
  return stdout.split('\n').filter(Boolean).map(Number)
}

/** Requests received so far by each worker (pid → count) that has received any, as worker-probe.mjs writes them. */
function countsIn(dir: string): Map<number, number> {
  return new Map(readdirSync(dir).map((name) => [Number(name), Number(readFileSync(join(dir, name), 'utf8'))]))
}

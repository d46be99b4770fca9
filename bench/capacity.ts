/**
 * The inputs of docs/scaling.md's capacity model, measured on this machine:
 * bytes per record in Redis after real sign-ins, Redis commands per call, and
 * Redis's own ops/s per core (redis-benchmark). Writes
 * bench/results/capacity.json and capacity.md.
 *
 *   pnpm build && server/node_modules/.bin/tsx bench/capacity.ts [--logins 300] [--cluster]
 *
 * `--cluster` measures commands per call on a real 6-node Redis Cluster too
 * (claims add WAIT there). Rate limits are on, as in production.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createClientCodePair, tokenResponse } from '@boarding-pass/shared'
import { parseSettings, startApp, type App } from '@boarding-pass/server'
import { browserlessLogin } from '../test/src/support/browserless-login.js'
import { freePort } from '../test/src/support/ports.js'
import { startRedisCluster } from '../test/src/support/redis-cluster.js'
import { waitForPong } from '../test/src/support/redis-server.js'
import { startThirdPartyProvider } from '../test/src/support/third-party-provider.js'
import { callProcedure } from '../test/src/support/trpc-http.js'

const run = promisify(execFile)
const args = process.argv.slice(2)
const LOGINS = Number(args[args.indexOf('--logins') + 1]) || 300
const withCluster = args.includes('--cluster')

async function cli(port: number, ...command: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(port), ...command], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim()
}

/** Every command Redis on `ports` executed since CONFIG RESETSTAT, by name. */
async function commandStats(ports: number[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const port of ports) {
    for (const line of (await cli(port, 'INFO', 'commandstats')).split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
      if (match) counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2])
    }
  }
  return counts
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0)

/** One service on `env`'s store, a third-party provider for it, and the calls the model needs. */
async function startService(env: Record<string, string>) {
  const port = await freePort()
  const publicUrl = `http://localhost:${port}`
  const idp = await startThirdPartyProvider({ redirectUris: [`${publicUrl}/auth/callback`] })
  const settings = parseSettings({
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    LOG_LEVEL: 'silent',
    AUTH_PROVIDERS: 'acme',
    AUTH_ACME_ISSUER: idp.issuer,
    AUTH_ACME_ID: idp.clientId,
    AUTH_ACME_SECRET: idp.clientSecret,
    // Limits on (as deployed), but wide enough for this run from one address.
    AUTH_RATE_LIMIT_START: '100000/60',
    AUTH_RATE_LIMIT_COMPLETE: '100000/60',
    AUTH_RATE_LIMIT_REFRESH: '100000/60',
    AUTH_RATE_LIMIT_CALLBACK: '100000/60',
  })
  const app: App = await startApp(settings)
  const redirectUri = `${publicUrl}/callback`
  const start = async () => {
    const pair = await createClientCodePair()
    const response = await callProcedure<{ flowId: string; authorizationUrl: string }>(app.address, 'auth.start', {
      mutation: { provider: 'acme', clientCodeHash: pair.clientCodeHash, hashMethod: pair.hashMethod, redirectUri },
    })
    if (response.status !== 200) throw new Error(`auth.start: ${JSON.stringify(response.body)}`)
    return { pair, ...response.body.result!.data }
  }
  /** Start + provider; returns the callback URL (the provider's answer), not yet sent. */
  const toCallback = async (name: string) => {
    const flow = await start()
    const callback = await browserlessLogin(flow.authorizationUrl, { name, stopAt: `${publicUrl}/auth/callback` })
    return { flow, callback }
  }
  const callbackOf = async (callback: URL) => {
    const response = await fetch(`${app.address}/auth/callback${callback.search}`, { redirect: 'manual' })
    const location = response.headers.get('location')
    const serverCode = location ? new URL(location).searchParams.get('server_code') : null
    if (!serverCode) throw new Error(`callback: ${response.status} ${location ?? (await response.text()).slice(0, 300)}`)
    return serverCode
  }
  const complete = async (clientCode: string, serverCode: string) => {
    const response = await callProcedure(app.address, 'auth.complete', { mutation: { clientCode, serverCode } })
    if (response.status !== 200) throw new Error(`auth.complete: ${JSON.stringify(response.body)}`)
    return tokenResponse.parse(response.body.result!.data)
  }
  const signIn = async (name: string) => {
    const { flow, callback } = await toCallback(name)
    return complete(flow.pair.clientCode, await callbackOf(callback))
  }
  return {
    app,
    start,
    toCallback,
    callbackOf,
    complete,
    signIn,
    refresh: async (refreshToken: string) => {
      const response = await callProcedure(app.address, 'auth.refresh', { mutation: { refreshToken } })
      if (response.status !== 200) throw new Error(`auth.refresh: ${JSON.stringify(response.body)}`)
      return tokenResponse.parse(response.body.result!.data)
    },
    me: async (accessToken: string) => {
      const response = await callProcedure(app.address, 'auth.me', { bearer: accessToken })
      if (response.status !== 200) throw new Error(`auth.me: ${JSON.stringify(response.body)}`)
    },
    async close() {
      await app.close()
      await idp.close()
    },
  }
}

type Service = Awaited<ReturnType<typeof startService>>

/** Commands Redis (all of `ports`) runs for one call of each kind, by command; the median of `times` tries. */
async function commandsPerCall(service: Service, ports: number[], times = 5) {
  const measure = async (call: () => Promise<unknown>) => {
    const tries: Record<string, number>[] = []
    for (let i = 0; i < times; i++) {
      await Promise.all(ports.map((port) => cli(port, 'CONFIG', 'RESETSTAT')))
      await call()
      const counts = await commandStats(ports)
      // The measurement's own commands, and the replicas' REPLCONF ACKs that WAIT asks for.
      for (const name of Object.keys(counts)) if (/^(config|info|replconf)/.test(name)) delete counts[name]
      tries.push(counts)
    }
    tries.sort((x, y) => total(x) - total(y))
    return tries[Math.floor(times / 2)]!
  }
  const result: Record<string, Record<string, number>> = {}
  result['auth.start'] = await measure(() => service.start())
  const pending: { flow: { pair: { clientCode: string } }; callback: URL }[] = []
  for (let i = 0; i < times; i++) pending.push(await service.toCallback(`Callback ${i}`))
  let next = 0
  result['GET /auth/callback'] = await measure(() => service.callbackOf(pending[next++]!.callback))
  const codes: { clientCode: string; serverCode: string }[] = []
  for (let i = 0; i < times; i++) {
    const { flow, callback } = await service.toCallback(`Complete ${i}`)
    codes.push({ clientCode: flow.pair.clientCode, serverCode: await service.callbackOf(callback) })
  }
  next = 0
  result['auth.complete'] = await measure(() => service.complete(codes[next]!.clientCode, codes[next++]!.serverCode))
  let tokens = await service.signIn('Refresh')
  result['auth.refresh'] = await measure(async () => (tokens = await service.refresh(tokens.refreshToken)))
  result['auth.me'] = await measure(() => service.me(tokens.accessToken))
  return result
}

/** `used_memory` of the Redis on `port`, after a moment for lazy frees. */
async function usedMemory(port: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 200))
  return Number(/used_memory:(\d+)/.exec(await cli(port, 'INFO', 'memory'))![1])
}

/** MEMORY USAGE (SAMPLES 0) of every key matching `pattern` (whose value matches `value`, if given): count, mean and max bytes. */
async function keyBytes(port: number, pattern: string, value?: RegExp) {
  let keys = (await cli(port, '--scan', '--pattern', pattern)).split('\n').filter(Boolean)
  if (value) {
    const kept: string[] = []
    for (const key of keys) if (value.test(await cli(port, 'GET', key))) kept.push(key)
    keys = kept
  }
  const sizes: number[] = []
  for (const key of keys) sizes.push(Number(await cli(port, 'MEMORY', 'USAGE', key, 'SAMPLES', '0')))
  const mean = sizes.reduce((sum, n) => sum + n, 0) / Math.max(1, sizes.length)
  return { keys: keys.length, meanBytes: Math.round(mean), maxBytes: Math.max(0, ...sizes) }
}

async function redisBenchmark(port: number) {
  const out = await run(
    'redis-benchmark',
    ['-p', String(port), '-q', '-n', '200000', '-c', '50', '-P', '1', '-r', '1000000', '-t', 'set,get,hset'],
    { maxBuffer: 16 * 1024 * 1024 },
  )
  const rates: Record<string, number> = {}
  for (const match of out.stdout.matchAll(/^"?([A-Z]+)[^:]*:\s*([\d.]+) requests per second/gm)) {
    rates[match[1]!] = Number(match[2])
  }
  return rates
}

async function main(): Promise<void> {
  const started = new Date().toISOString()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bp-capacity-'))
  const redis = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  })
  await waitForPong(port)
  const report: Record<string, unknown> = {
    started,
    logins: LOGINS,
    redis: (await cli(port, 'INFO', 'server')).match(/redis_version:(\S+)/)?.[1],
  }
  try {
    const service = await startService({ REDIS_URL: `redis://127.0.0.1:${port}` })
    try {
      // Bytes: each kind of record on its own, by MEMORY USAGE and by used_memory per record.
      const before = await usedMemory(port)
      const flows: Awaited<ReturnType<Service['start']>>[] = []
      for (let i = 0; i < LOGINS; i++) flows.push(await service.start())
      const afterFlows = await usedMemory(port)
      const pendingFlow = await keyBytes(port, 'bp:flow:*')

      const codes: { clientCode: string; serverCode: string }[] = []
      for (let i = 0; i < Math.min(LOGINS, 100); i++) {
        const { flow, callback } = await service.toCallback(`Code ${i}`)
        codes.push({ clientCode: flow.pair.clientCode, serverCode: await service.callbackOf(callback) })
      }
      const serverCode = await keyBytes(port, 'bp:code:*')
      for (const code of codes) await service.complete(code.clientCode, code.serverCode)
      await cli(port, 'EVAL', "for _,k in ipairs(redis.call('KEYS','bp:flow:*')) do redis.call('DEL',k) end", '0')

      const beforeLogins = await usedMemory(port)
      const tokens = []
      for (let i = 0; i < LOGINS; i++) tokens.push(await service.signIn(`User ${i % Math.max(1, LOGINS / 2)}`))
      const afterLogins = await usedMemory(port)
      const login = await keyBytes(port, 'bp:login:*')
      const refresh = await keyBytes(port, 'bp:refresh:*')
      const sessions = await keyBytes(port, 'bp:sessions:*')
      // One refresh each: the spent record stays (reuse detection) beside its successor.
      for (const pair of tokens) await service.refresh(pair.refreshToken)
      const afterRefresh = await usedMemory(port)
      const refreshAfter = await keyBytes(port, 'bp:refresh:*')
      const spentRefresh = await keyBytes(port, 'bp:refresh:*', /"spent":true/)
      const liveRefresh = await keyBytes(port, 'bp:refresh:*', /"spent":false/)
      const users = sessions.keys

      report.bytes = {
        pendingFlow: { ...pendingFlow, usedMemoryPerFlow: Math.round((afterFlows - before) / LOGINS) },
        serverCode,
        login,
        refreshRecord: refresh,
        sessionIndex: { ...sessions, entriesPerUser: (login.keys / Math.max(1, users)).toFixed(2) },
        signedInLogin: {
          usedMemoryPerLogin: Math.round((afterLogins - beforeLogins) / LOGINS),
          note: 'login + its refresh record + its share of the user session index, by used_memory delta',
        },
        spentRefreshRecord: { ...spentRefresh, note: 'kept for the refresh TTL after use (reuse detection)' },
        liveRefreshRecord: liveRefresh,
        afterOneRefresh: {
          refreshRecords: refreshAfter.keys,
          usedMemoryPerLogin: Math.round((afterRefresh - beforeLogins) / LOGINS),
        },
      }
      report.commands = { redis: await commandsPerCall(service, [port]) }
    } finally {
      await service.close()
    }
    report.redisBenchmark = await redisBenchmark(port)

    if (withCluster) {
      const cluster = await startRedisCluster()
      try {
        // Claims wait for a replica's acknowledgement: measure once every master has its replica in sync.
        await cluster.untilOk()
        await cluster.untilReplicated()
        const service = await startService({ REDIS_CLUSTER_NODES: cluster.seeds })
        try {
          const masters: number[] = []
          for (const node of cluster.nodes) {
            if (/role:master/.test(await cli(node.port, 'INFO', 'replication'))) masters.push(node.port)
          }
          ;(report.commands as Record<string, unknown>).cluster = await commandsPerCall(service, masters)
        } finally {
          await service.close()
        }
      } finally {
        await cluster.stop()
      }
    }
  } finally {
    redis.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  report.finished = new Date().toISOString()
  const out = new URL('./results/', import.meta.url)
  writeFileSync(new URL('capacity.json', out), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(new URL('capacity.md', out), markdown(report))
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  process.exit(0)
}

function markdown(report: Record<string, unknown>): string {
  const commands = report.commands as Record<string, Record<string, Record<string, number>>>
  const lines = [`# Capacity inputs (${String(report.started)})`, '', '```json', JSON.stringify(report.bytes, null, 2), '```', '']
  for (const [store, calls] of Object.entries(commands)) {
    lines.push(`## Redis commands per call (${store})`, '', '| call | commands | which |', '| --- | --- | --- |')
    for (const [call, counts] of Object.entries(calls)) {
      const which = Object.entries(counts)
        .map(([name, n]) => `${name} ×${n}`)
        .join(', ')
      lines.push(`| ${call} | ${total(counts)} | ${which} |`)
    }
    lines.push('')
  }
  lines.push(
    '## redis-benchmark (one core, 50 connections, no pipelining)',
    '',
    '```json',
    JSON.stringify(report.redisBenchmark, null, 2),
    '```',
    '',
  )
  return lines.join('\n')
}

void main().catch((error: unknown) => {
  process.stderr.write(`capacity: ${String((error as Error)?.stack ?? error)}\n`)
  process.exit(1)
})

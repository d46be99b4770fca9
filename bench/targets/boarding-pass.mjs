// Boarding Pass under test: the real app (startApp, as server/dist/main.js runs it) in its own process,
// plus IPC verbs that pre-mint what a load needs through the server's own steps and store.
//
// Env: PORT, REDIS_URL or REDIS_CLUSTER_NODES (neither: in-process store), LOG_LEVEL (default info,
// as in production). With WEB_CONCURRENCY=N it runs as one of N workers under targets/workers.mjs.
// Rate limits stay on (their counters are part of each request's cost) but are raised far
// beyond what one loopback client sends, unless BENCH_RATE_LIMITS=default.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { writeHeapSnapshot } from 'node:v8'
import { generateClientCode, hashClientCode } from '@boarding-pass/shared'
import { parseSettings, startApp } from '@boarding-pass/server'
import { startFlow } from '../../server/dist/flow/start.js'
import { openLogin } from '../../server/dist/session/login.js'
import { toUser } from '../../server/dist/providers/oidc.js'
import { randomSecret, secretKey } from '../../server/dist/tokens/secrets.js'
import { serveRequests } from '../lib/processes.mjs'

const port = process.env.PORT
const settings = parseSettings({
  ...process.env,
  ...(await raisedRateLimits()),
  HOST: '127.0.0.1',
  PORT: port,
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
})
const app = await startApp(settings)
const { services } = app
await untilSigningKeysLoaded()
const { store } = services
const redirectUri = settings.redirectUris[0]
const providerId = services.providers.list()[0].id

/** Minted batches, kept until the parent has checked what the load did to them. */
const batches = new Map()
let nextBatch = 1
let nextUser = 1

/** A user as the provider leg would return them (same function the OIDC provider code uses). */
function benchUser() {
  const n = nextUser++
  return toUser(providerId, `bench-${n}`, { name: `Bench User ${n}`, email: `bench-${n}@example.test`, email_verified: true })
}

/** Runs `make(i)` for i < n, `width` at a time (store round trips overlap, as under real load). */
async function inParallel(n, make, width = 256) {
  const out = new Array(n)
  for (let start = 0; start < n; start += width) {
    const end = Math.min(n, start + width)
    const chunk = []
    for (let i = start; i < end; i++) chunk.push(make(i).then((value) => (out[i] = value)))
    await Promise.all(chunk)
  }
  return out
}

/**
 * One valid pair for auth.complete: step 1 for real (startFlow records the hash
 * under a new flow), then what the callback does once the provider has answered
 * (flow/callback.ts finishProviderLeg after provider.finish): take the flow and
 * store a Server Code for it. Only the provider's HTTP leg is left out.
 */
async function mintPair() {
  const clientCode = generateClientCode()
  const clientCodeHash = await hashClientCode(clientCode, 'sha256')
  const { flowId } = await startFlow(services, { provider: providerId, clientCodeHash, hashMethod: 'sha256', redirectUri })
  const flow = await store.flows.take(flowId)
  if (!flow) throw new Error('flow vanished before its callback')
  const serverCode = randomSecret(32)
  const key = secretKey(serverCode)
  await store.serverCodes.put(
    key,
    { flowId, clientCodeHash: flow.clientCodeHash, hashMethod: flow.hashMethod, user: benchUser() },
    settings.serverCodeTtl * 1000,
  )
  return { body: JSON.stringify({ clientCode, serverCode }), key, clientCode, serverCode }
}

/** One live login's refresh token (session/login.ts openLogin, as auth.complete opens a login). */
async function mintRefresh() {
  const { response } = await openLogin(services, benchUser())
  return { body: JSON.stringify({ refreshToken: response.refreshToken }), key: secretKey(response.refreshToken) }
}

/** AUTH_RATE_LIMIT_<NAME>=9999999/60 for every limit the server has (none if it has no limits module). */
async function raisedRateLimits() {
  if (process.env.BENCH_RATE_LIMITS === 'default') return {}
  const limits = await import('../../server/dist/limits/limits.js').then(
    (module) => module.LIMITS ?? {},
    () => ({}),
  )
  return Object.fromEntries(
    Object.keys(limits).map((name) => [`AUTH_RATE_LIMIT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, '9999999/60']),
  )
}

/** startApp may answer before the shared signing keys are read from a store still connecting. */
async function untilSigningKeysLoaded() {
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      void services.keys.current
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

let profiler

serveRequests(
  {
    /** `n` distinct auth.complete bodies; `keys` stay here for `leftover`. */
    async mintComplete({ n, withSecrets = false }) {
      const minted = await inParallel(n, mintPair)
      const batch = nextBatch++
      batches.set(batch, { kind: 'complete', keys: minted.map((m) => m.key) })
      return {
        batch,
        bodies: minted.map((m) => m.body),
        ...(withSecrets ? { pairs: minted.map(({ clientCode, serverCode }) => ({ clientCode, serverCode })) } : {}),
      }
    },
    /** `n` distinct auth.refresh bodies, each a live login's first refresh token. */
    async mintRefresh({ n }) {
      const minted = await inParallel(n, mintRefresh)
      const batch = nextBatch++
      batches.set(batch, { kind: 'refresh', keys: minted.map((m) => m.key) })
      return { batch, bodies: minted.map((m) => m.body) }
    },
    /**
     * What the floor (lib/floor.mjs) sends to Redis, at the server's real sizes: a Server Code
     * record, a login record and a refresh record as the store writes them (keyv's JSON of
     * `{ value, expires }`), and an access token, whose signing input is what is signed.
     */
    async recordSamples() {
      const pair = await mintPair()
      const code = await store.serverCodes.get(pair.key)
      const { response } = await openLogin(services, benchUser())
      const loginId = response.refreshToken.slice(0, response.refreshToken.indexOf('.'))
      const login = await store.logins.get(loginId)
      const refresh = await store.refreshTokens.get(secretKey(response.refreshToken))
      const stored = (value, ttlSeconds) => JSON.stringify({ value, expires: Date.now() + ttlSeconds * 1000 })
      return {
        serverCode: stored(code, settings.serverCodeTtl),
        login: stored(login, settings.refreshTokenTtl),
        refresh: stored(refresh, settings.refreshTokenTtl),
        accessToken: response.accessToken,
        signingAlg: settings.signingAlg,
        clientCode: pair.clientCode,
      }
    },
    /** One access token of a live login, for auth.me. */
    async mintAccessToken() {
      const { response } = await openLogin(services, benchUser())
      return { accessToken: response.accessToken }
    },
    /**
     * How many of a batch's codes or tokens were NOT used: Server Codes still in the
     * store, refresh tokens still unspent. After a clean round: pool size − 2xx count.
     */
    async leftover({ batch }) {
      const minted = batches.get(batch)
      if (!minted) throw new Error(`no batch ${batch}`)
      batches.delete(batch)
      const table = minted.kind === 'complete' ? store.serverCodes : store.refreshTokens
      const records = await inParallel(minted.keys.length, (i) => table.get(minted.keys[i]))
      return records.filter((record) => record !== undefined && !record.spent).length
    },
    /** How many of these flows are still held by the store. */
    async liveFlows({ flowIds }) {
      const records = await inParallel(flowIds.length, (i) => store.flows.get(flowIds[i]), 1024)
      return records.filter(Boolean).length
    },
    memory({ gc = false }) {
      if (gc && globalThis.gc) {
        globalThis.gc()
        globalThis.gc()
      }
      return process.memoryUsage()
    },
    /** A heap snapshot, for finding what a flood leaves behind. */
    heapSnapshot({ file }) {
      return writeHeapSnapshot(file)
    },
    async profileStart({ intervalUs = 200 }) {
      profiler = new Session()
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.setSamplingInterval', { interval: intervalUs })
      await profiler.post('Profiler.start')
      return true
    },
    async profileStop({ file }) {
      const { profile } = await profiler.post('Profiler.stop')
      profiler.disconnect()
      writeFileSync(file, JSON.stringify(profile))
      return file
    },
  },
  {
    url: app.address,
    store: store.kind,
    pid: process.pid,
    provider: providerId,
    redirectUri,
    maxPendingFlows: settings.maxPendingFlows,
  },
)

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}

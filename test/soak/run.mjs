// `pnpm soak`: a bounded soak of Boarding Pass, as deployed.
//
// Phase 1: SOAK_FLOWS (default 3,000) complete logins through TWO instances
// (child processes of server/dist/main.js) that share one PUBLIC_URL and one
// Redis, against a real OpenID provider (oidc-provider) started here. Each
// Server Code is redeemed 2 or 3 times at once across both instances.
// Invariants: every Server Code redeemed exactly once, zero 5xx, and RSS that
// levels off (slope over the last half of the run under a bound).
//
// `pnpm soak --cluster`: phase 1 runs on a real 6-node Redis Cluster started
// here (3 masters, 3 replicas, `cluster-node-timeout 2000`, no persistence;
// test/soak/redis-cluster.mjs) through `REDIS_CLUSTER_NODES`, with the same
// invariants, and is followed by a failover round on the same two instances:
// SOAK_FAILOVER_CONCURRENCY (default 8) login loops through both instances
// (half returning users, whose sessions pile up, half a new user each time),
// each Server Code again redeemed 2 or 3 times at once (a copy answered 503 is
// sent again until it is decided); after 3 s the master serving the approvals'
// channel (`bp:flow-events`, slot 9769; the flows' own keys are spread over
// every slot, so about a third of them are its) is SIGKILLed and the traffic
// goes on. It prints, as plain `failover:` lines: double redemptions, the span
// of 503 `store_unavailable` answers (first and last, seconds after the kill),
// when a surviving master's CLUSTER NODES / CLUSTER INFO showed the master
// failed, the replica promoted and cluster_state ok again, and the time to
// recover (the first fully successful login started after the last 503).
// Invariants: zero double redemptions; every answer a 200 (302 at the
// callback) or a refusal the contract gives such a call (store_unavailable as
// 503, invalid_grant, invalid_token; at the callback the 503 and 400 pages),
// any other answer or 5xx fails; before the kill, the phase 1 invariants; the
// service recovers by itself within SOAK_RECOVERY_SECONDS (default 20).
//
// Phase 2: a flood of SOAK_FLOOD (default 100,000) abandoned `auth.start`
// calls against one instance on the in-process store (AUTH_MAX_PENDING_FLOWS
// default 100,000). Invariants: its RSS stays under SOAK_FLOOD_MB (default
// 256 MB; see FLOOD_MB below), zero 5xx, and it still serves a whole login afterwards.
//
// Every request goes to 127.0.0.1. Bounded in count and in time (< 3 min;
// < 4 min with --cluster). Every process started here is stopped on the way
// out, also on a failure or a SIGINT/SIGTERM.
import { execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import { createConnection, createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clusterNodes, command, startRedisCluster } from './redis-cluster.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
const args = process.argv.slice(2)
for (const arg of args.filter((arg) => arg !== '--cluster')) {
  process.stderr.write(`unknown argument ${arg}; usage: pnpm soak [--cluster]\n`)
  process.exit(2)
}
/** `--cluster`: phase 1 on a 6-node Redis Cluster, then the failover round. */
const CLUSTER = args.includes('--cluster')
const FLOWS = positive('SOAK_FLOWS', 3000)
const CONCURRENCY = positive('SOAK_CONCURRENCY', 16)
const FLOWS_SECONDS = positive('SOAK_SECONDS', 85)
const FLOOD = positive('SOAK_FLOOD', 100_000)
const FLOOD_CONCURRENCY = positive('SOAK_FLOOD_CONCURRENCY', 64)
const FLOOD_SECONDS = positive('SOAK_FLOOD_SECONDS', 75)
// The bound holds the flood instance to a 256 MB container run as docs/deploy.md ("Memory") advises:
// with --max-old-space-size=192 (FLOOD_NODE_OPTIONS). About 550 B of live heap per pending flow
// (`pnpm bench`, heap after a full GC), so 100,000 flows hold ~55 MB; without the cap V8 lets the heap
// grow to several times what was live at its last full collection, and RSS after a fast flood is then
// V8's heuristics (250-355 MB seen for the same live heap), not the store's bound.
const FLOOD_MB = positive('SOAK_FLOOD_MB', 256)
const FLOOD_NODE_OPTIONS = process.env.SOAK_FLOOD_NODE_OPTIONS ?? '--max-old-space-size=192'
/** AUTH_MAX_PENDING_FLOWS for the flood instance (the server's default, 100,000, unless set). */
const MAX_PENDING = process.env.SOAK_MAX_PENDING_FLOWS ? String(positive('SOAK_MAX_PENDING_FLOWS', 100_000)) : undefined
/**
 * Phase 1 children run with a capped old space, so V8 collects as it goes and RSS follows the live
 * heap rather than V8's lazy growth: a leak then shows as RSS that keeps climbing (and, at the cap,
 * as failures), while garbage does not.
 */
const PHASE1_NODE_OPTIONS = process.env.SOAK_NODE_OPTIONS ?? '--max-old-space-size=160'
/** RSS growth allowed over the last half of phase 1, in MB per minute, for "levels off". */
const SLOPE_MB_PER_MIN = positive('SOAK_SLOPE_MB_PER_MIN', 30)
/** Login loops of the failover round (each one browser, as in phase 1). */
const FAILOVER_CONCURRENCY = positive('SOAK_FAILOVER_CONCURRENCY', 8)
/** Traffic before the kill: the round's own non-failover part. */
const FAILOVER_WARMUP_MS = 3_000
/** The service must be whole again (a fully successful login after the last 503) this long after the kill. */
const RECOVERY_SECONDS = positive('SOAK_RECOVERY_SECONDS', 20)

/**
 * The refusals the contract gives the failover round's calls, by reason, with their status. The calls are
 * well-formed, so nothing else is a refusal they may get: at the callback a 503 page (store unavailable) or
 * the 400 page (a flow that is not there, e.g. lost with the master before it reached the replica).
 */
const ROUND_REFUSALS = {
  'auth.start': { store_unavailable: 503 },
  callback: { store_unavailable: 503, unknown_flow: 400 },
  'auth.complete': { store_unavailable: 503, invalid_grant: 401 },
  'auth.me': { store_unavailable: 503, invalid_token: 401 },
}

const out = (line = '') => process.stdout.write(`${line}\n`)
const failures = []
const cleanup = []
// The last resort on any way out (a throw past `finally`, process.exit, a signal): SIGKILL whatever is
// still running and remove the temporary directories. The orderly stop is `cleanup`, below.
const children = new Set()
const tempDirs = new Set()
const track = (child) => {
  children.add(child)
  child.once('exit', () => children.delete(child))
}
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL')
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    out(`\n${signal}: soak stopped, its processes killed.`)
    process.exit(1)
  })
}

try {
  if (!existsSync(join(root, 'server/dist/main.js'))) {
    out('Building server/dist (pnpm exec tsc -b)…')
    execFileSync('pnpm', ['exec', 'tsc', '-b'], { cwd: root, stdio: 'inherit' })
  }
  const { createDevProvider } = await import(join(root, 'server/dist/index.js'))
  let storeEnv
  let cluster
  if (CLUSTER) {
    out('Starting a 6-node Redis Cluster (3 masters, 3 replicas)…')
    const dir = mkdtempSync(join(tmpdir(), 'bp-soak-cluster-'))
    tempDirs.add(dir)
    cluster = await startRedisCluster(dir, track)
    cleanup.push(cluster.stop)
    storeEnv = { REDIS_CLUSTER_NODES: cluster.seeds }
  } else {
    const redis = await startRedis()
    cleanup.push(redis.stop)
    storeEnv = { REDIS_URL: redis.url }
  }

  const publicPort = await freePort()
  const publicUrl = `http://localhost:${publicPort}`
  const idp = await startProvider(createDevProvider, [`${publicUrl}/auth/callback`])
  cleanup.push(idp.close)
  const providerEnv = {
    AUTH_PROVIDERS: 'acme',
    AUTH_ACME_ISSUER: idp.issuer,
    AUTH_ACME_ID: idp.clientId,
    AUTH_ACME_SECRET: idp.clientSecret,
    AUTH_RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    PUBLIC_URL: publicUrl,
  }

  // ---- Phase 1: flows through two instances ----
  const a = await startInstance({
    ...providerEnv,
    PORT: String(publicPort),
    ...storeEnv,
    NODE_OPTIONS: PHASE1_NODE_OPTIONS,
  })
  cleanup.push(a.stop)
  const b = await startInstance({
    ...providerEnv,
    PORT: String(await freePort()),
    ...storeEnv,
    NODE_OPTIONS: PHASE1_NODE_OPTIONS,
  })
  cleanup.push(b.stop)
  const instances = [a, b]
  const redirectUri = `${publicUrl}/callback`
  const sampler = sampleRss(instances)
  const stats = {
    flows: 0,
    codes: 0,
    redemptions: 0,
    won: 0,
    doubleWins: 0,
    noWins: 0,
    status5xx: 0,
    otherErrors: 0,
    latencies: [],
  }
  const phase1Start = performance.now()
  const deadline = phase1Start + FLOWS_SECONDS * 1000
  let next = 0
  const storeName = CLUSTER ? 'a 6-node Redis Cluster' : 'one Redis'
  out(`Phase 1: ${FLOWS} flows, ${CONCURRENCY} at a time, two instances (${a.address}, ${b.address}), ${storeName}…`)
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      // Each worker is one browser: it logs in at the provider once, then its provider session
      // (a returning user) takes it straight back, so the broker, not the provider's form, is what is soaked.
      const jar = new Map()
      while (next < FLOWS && performance.now() < deadline) {
        const n = next++
        try {
          await oneFlow(n, instances, redirectUri, publicUrl, stats, jar, `User ${worker}`)
        } catch (error) {
          stats.otherErrors++
          if (stats.otherErrors <= 5) out(`  flow ${n} failed: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
    }),
  )
  const phase1Seconds = (performance.now() - phase1Start) / 1000
  const samples = sampler.stop()
  const rssA = summarise(samples.map((s) => s[0]))
  const rssB = summarise(samples.map((s) => s[1]))

  out()
  out(`Phase 1 — two instances, ${storeName}, duplicate redemptions`)
  table([
    ['flows completed', `${stats.flows} of ${FLOWS}${stats.flows < FLOWS ? ` (time bound ${FLOWS_SECONDS} s reached)` : ''}`],
    ['duration', `${phase1Seconds.toFixed(1)} s (${(stats.flows / phase1Seconds).toFixed(0)} logins/s)`],
    ['Server Codes issued', stats.codes],
    ['redemptions sent (2–3 per code, at once, both instances)', stats.redemptions],
    ['codes redeemed exactly once', stats.won],
    ['codes redeemed twice or more', stats.doubleWins],
    ['codes never redeemed', stats.noWins],
    ['HTTP 5xx answers', stats.status5xx],
    ['other errors', stats.otherErrors],
    ['auth.complete latency p50 / p99', `${pct(stats.latencies, 50)} / ${pct(stats.latencies, 99)} ms`],
    ['RSS instance A first / last / max', `${rssA.first} / ${rssA.last} / ${rssA.max} MB`],
    ['RSS instance A slope, last half', `${rssA.slope.toFixed(1)} MB/min`],
    ['RSS instance B first / last / max', `${rssB.first} / ${rssB.last} / ${rssB.max} MB`],
    ['RSS instance B slope, last half', `${rssB.slope.toFixed(1)} MB/min`],
    ['RSS samples (1/s)', samples.length],
    ['instances run with', PHASE1_NODE_OPTIONS],
  ])
  if (stats.doubleWins > 0) failures.push(`${stats.doubleWins} Server Codes were redeemed more than once`)
  if (stats.noWins > 0) failures.push(`${stats.noWins} Server Codes were not redeemed by their owner`)
  if (stats.status5xx > 0) failures.push(`${stats.status5xx} answers were 5xx`)
  if (stats.otherErrors > 0) failures.push(`${stats.otherErrors} flows failed otherwise`)
  if (stats.flows < Math.min(FLOWS, 500)) failures.push(`only ${stats.flows} flows completed`)
  // "Levels off" is judged on a run of at least 20 samples: a shorter one is all warm-up.
  const judged = samples.length >= 20
  if (!judged) out(`  (only ${samples.length} RSS samples: too short a run to judge whether memory levels off)`)
  for (const [name, rss] of [
    ['A', rssA],
    ['B', rssB],
  ]) {
    if (judged && rss.slope > SLOPE_MB_PER_MIN) {
      failures.push(`instance ${name} RSS still growing: ${rss.slope.toFixed(1)} MB/min over the last half`)
    }
  }

  if (CLUSTER) failures.push(...(await failoverRound(instances, cluster, redirectUri, publicUrl)))
  await a.stop()
  await b.stop()
  // Phase 2 needs no Redis: stop the cluster (its gossip and replication) before the flood.
  if (cluster) await cluster.stop()

  // ---- Phase 2: a flood of abandoned starts on the in-process store ----
  const floodPort = await freePort()
  const floodUrl = `http://localhost:${floodPort}`
  const floodIdp = await startProvider(createDevProvider, [`${floodUrl}/auth/callback`])
  cleanup.push(floodIdp.close)
  const flood = await startInstance({
    ...providerEnv,
    AUTH_ACME_ISSUER: floodIdp.issuer,
    AUTH_ACME_ID: floodIdp.clientId,
    AUTH_ACME_SECRET: floodIdp.clientSecret,
    PUBLIC_URL: floodUrl,
    PORT: String(floodPort),
    ...(MAX_PENDING ? { AUTH_MAX_PENDING_FLOWS: MAX_PENDING } : {}),
    // SOAK_FLOOD_NODE_OPTIONS= (empty) floods with Node's default heap limits instead.
    ...(FLOOD_NODE_OPTIONS ? { NODE_OPTIONS: FLOOD_NODE_OPTIONS } : {}),
  })
  cleanup.push(flood.stop)
  out()
  out(
    `Phase 2: ${FLOOD} abandoned auth.start calls, ${FLOOD_CONCURRENCY} at a time, in-process store, ${FLOOD_NODE_OPTIONS || "Node's default heap limits"} (${flood.address})…`,
  )
  const floodRedirect = `${floodUrl}/callback`
  const before = rssMb(flood.pid)
  const floodSampler = sampleRss([flood])
  const floodStats = { sent: 0, ok: 0, status5xx: 0, other: 0 }
  const floodStart = performance.now()
  const floodDeadline = floodStart + FLOOD_SECONDS * 1000
  const hash = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url')
  const body = JSON.stringify({ provider: 'acme', clientCodeHash: hash, hashMethod: 'sha256', redirectUri: floodRedirect })
  // node:http with keep-alive: far less client CPU per call than fetch, so the instance, not the client, is the bottleneck.
  const agent = new Agent({ keepAlive: true, maxSockets: FLOOD_CONCURRENCY })
  await Promise.all(
    Array.from({ length: FLOOD_CONCURRENCY }, async () => {
      while (floodStats.sent < FLOOD && performance.now() < floodDeadline) {
        floodStats.sent++
        try {
          const status = await postFast(agent, flood.address, '/trpc/auth.start', body)
          if (status === 200) floodStats.ok++
          else if (status >= 500) floodStats.status5xx++
          else floodStats.other++
        } catch {
          floodStats.other++
        }
      }
    }),
  )
  agent.destroy()
  const floodSeconds = (performance.now() - floodStart) / 1000
  const floodSamples = floodSampler.stop().map((s) => s[0])
  const after = rssMb(flood.pid)
  const floodMax = Math.max(before, after, ...floodSamples)
  const loginAfter = await oneLogin(flood.address, floodRedirect, floodUrl).then(
    () => 'yes',
    (error) => `no: ${error.message}`,
  )
  out()
  out('Phase 2 — flood of abandoned flows, in-process store')
  table([
    [
      'auth.start calls',
      `${floodStats.sent} of ${FLOOD}${floodStats.sent < FLOOD ? ` (time bound ${FLOOD_SECONDS} s reached)` : ''}`,
    ],
    ['duration', `${floodSeconds.toFixed(1)} s (${(floodStats.sent / floodSeconds).toFixed(0)} calls/s)`],
    ['answered 200 / 5xx / other', `${floodStats.ok} / ${floodStats.status5xx} / ${floodStats.other}`],
    ['AUTH_MAX_PENDING_FLOWS', MAX_PENDING ?? '100000 (default)'],
    ['NODE_OPTIONS', FLOOD_NODE_OPTIONS || "(none: Node's default heap limits)"],
    ['RSS before / after / max', `${before} / ${after} / ${floodMax} MB`],
    [
      'RSS at 25 / 50 / 75 / 100 % of the flood',
      [0.25, 0.5, 0.75, 1].map((q) => floodSamples[Math.max(0, Math.ceil(q * floodSamples.length) - 1)]).join(' / ') + ' MB',
    ],
    ['RSS slope, last half', `${summarise(floodSamples).slope.toFixed(1)} MB/min`],
    ['stated bound', `${FLOOD_MB} MB`],
    ['a whole login works afterwards', loginAfter],
  ])
  if (floodMax > FLOOD_MB) failures.push(`flood RSS ${floodMax} MB is over the bound of ${FLOOD_MB} MB`)
  if (floodStats.status5xx > 0) failures.push(`${floodStats.status5xx} flood answers were 5xx`)
  if (loginAfter !== 'yes') failures.push(`no login after the flood (${loginAfter})`)
} catch (error) {
  failures.push(`soak could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
} finally {
  for (const stop of cleanup.reverse()) await stop().catch(() => undefined)
}

out()
if (failures.length > 0) {
  out('SOAK FAILED:')
  for (const failure of failures) out(`  - ${failure}`)
  process.exit(1)
}
out(
  `SOAK PASSED: every Server Code redeemed exactly once, no 5xx, memory levelled off and stayed within its bound${
    CLUSTER ? '; through a master failover no Server Code redeemed twice, only 503 store_unavailable, recovered by itself' : ''
  }.`,
)
process.exit(0)

// ---------------------------------------------------------------------------

/** One login: start (random instance), provider login, callback (random instance), 2–3 redemptions at once across both. */
async function oneFlow(n, instances, redirectUri, publicUrl, stats, jar, name) {
  const pick = () => instances[Math.floor(Math.random() * instances.length)]
  const clientCode = randomBytes(32).toString('base64url')
  const clientCodeHash = createHash('sha256').update(clientCode).digest('base64url')
  const started = await call(
    pick().address,
    'auth.start',
    { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri },
    stats,
  )
  const callbackUrl = await loginAtProvider(started.authorizationUrl, `${publicUrl}/auth/callback`, name, jar)
  const callback = await fetch(`${pick().address}/auth/callback${callbackUrl.search}`, { redirect: 'manual' })
  if (callback.status >= 500) stats.status5xx++
  const location = callback.headers.get('location')
  const serverCode = location && new URL(location).searchParams.get('server_code')
  if (!serverCode) throw new Error(`callback answered ${callback.status} without a Server Code`)
  stats.codes++
  const copies = 2 + (n % 2)
  stats.redemptions += copies
  const t0 = performance.now()
  const answers = await Promise.all(
    Array.from({ length: copies }, (_, i) =>
      fetch(`${instances[i % 2].address}/trpc/auth.complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientCode, serverCode }),
      }).then(async (response) => ({ status: response.status, body: await response.json() })),
    ),
  )
  stats.latencies.push(performance.now() - t0)
  const won = answers.filter((answer) => answer.status === 200)
  for (const answer of answers) if (answer.status >= 500) stats.status5xx++
  for (const answer of answers.filter((x) => x.status !== 200)) {
    if (answer.body?.error?.data?.reason !== 'invalid_grant')
      throw new Error(`a duplicate redemption answered ${answer.status} ${JSON.stringify(answer.body)}`)
  }
  if (won.length === 1) stats.won++
  else if (won.length > 1) stats.doubleWins++
  else stats.noWins++
  if (won.length >= 1 && n % 10 === 0) {
    // Now and then: the token verifies on the other instance too.
    const me = await fetch(`${instances[(n + 1) % 2].address}/trpc/auth.me`, {
      headers: { authorization: `Bearer ${won[0].body.result.data.accessToken}` },
    })
    if (me.status !== 200) throw new Error(`auth.me on the other instance answered ${me.status}`)
  }
  stats.flows++
}

/**
 * The failover round (`--cluster`): login loops through both instances while the master serving the
 * approvals' channel is SIGKILLed. Prints its figures as `failover:` lines; returns what failed.
 */
async function failoverRound(instances, cluster, redirectUri, publicUrl) {
  const seed = cluster.nodes[0].port
  const slot = await command(seed, 'CLUSTER', 'KEYSLOT', 'bp:flow-events')
  const topology = await clusterNodes(seed)
  const victim = topology.find(
    (node) => node.flags.includes('master') && node.slots.some(([from, to]) => from <= slot && slot <= to),
  )
  const heir = victim && topology.find((node) => node.masterId === victim.id)
  // A surviving master watches: when it marks the victim failed, sees the replica promoted, and its cluster_state.
  const observer = victim && topology.find((node) => node.flags.includes('master') && node.id !== victim.id)
  if (!victim || !heir || !observer) throw new Error(`no master with a replica for slot ${slot} in CLUSTER NODES`)

  const round = {
    /** Every login: when it started and ended (performance.now()), and whether every call of it succeeded at once. */
    logins: [],
    /** Every 503 store_unavailable answer: when it came (performance.now()), after how long, to which call. */
    unavailable: [],
    /** Every Server Code: when it was issued, how many copies won, whether a copy answered 503, whether one still did at the end. */
    codes: [],
    refusals: { unknown_flow: 0, invalid_token: 0 },
    unexpected: [],
    redemptions: 0,
    resent: 0,
  }
  let killedAt = Number.POSITIVE_INFINITY
  let lastUnavailableAt = Number.NEGATIVE_INFINITY
  let stoppedAt = Number.POSITIVE_INFINITY

  /** Files one answer that is not a success: an expected refusal, a 503 store_unavailable, or unexpected. */
  const note = (path, status, reason, sent, text) => {
    const at = performance.now()
    if (ROUND_REFUSALS[path][reason] !== status) {
      round.unexpected.push(`${path} answered ${status} ${String(text).slice(0, 160)}`)
    } else if (reason === 'store_unavailable') {
      round.unavailable.push({ at, ms: at - sent, path })
      lastUnavailableAt = Math.max(lastUnavailableAt, at)
    } else if (reason in round.refusals) {
      round.refusals[reason]++
    }
  }
  /** A tRPC call: a mutation with `body`, or a query with `bearer`; every answer filed. */
  const send = async (address, path, { body, bearer }) => {
    const sent = performance.now()
    const response = await fetch(
      `${address}/trpc/${path}`,
      body === undefined
        ? { headers: { authorization: `Bearer ${bearer}` } }
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    )
    const text = await response.text()
    let json
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    const reason = json?.error?.data?.reason
    if (response.status !== 200) note(path, response.status, reason, sent, text)
    return { status: response.status, reason, data: json?.result?.data }
  }

  /** One login, as in phase 1, but every answer is filed and a copy answered 503 is sent again (as a client would). */
  const login = async (n, name, jar, returning) => {
    const entry = { startedAt: performance.now(), endedAt: Number.POSITIVE_INFINITY, ok: false, returning }
    round.logins.push(entry)
    try {
      const pick = () => instances[Math.floor(Math.random() * instances.length)]
      const clientCode = randomBytes(32).toString('base64url')
      const clientCodeHash = createHash('sha256').update(clientCode).digest('base64url')
      const started = await send(pick().address, 'auth.start', {
        body: { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri },
      })
      if (started.status !== 200) return
      const callbackUrl = await loginAtProvider(started.data.authorizationUrl, `${publicUrl}/auth/callback`, name, jar)
      const sent = performance.now()
      const callback = await fetch(`${pick().address}/auth/callback${callbackUrl.search}`, { redirect: 'manual' })
      const page = await callback.text()
      const location = callback.headers.get('location')
      const serverCode = callback.status === 302 && location ? new URL(location).searchParams.get('server_code') : null
      if (!serverCode) {
        const reason = { 503: 'store_unavailable', 400: 'unknown_flow' }[callback.status]
        return note('callback', callback.status, reason, sent, location ?? page)
      }
      const code = { issuedAt: performance.now(), won: 0, refused: false, undecided: false }
      round.codes.push(code)
      let pending = Array.from({ length: 2 + (n % 2) }, (_, i) => instances[i % 2])
      let token
      let clean = true
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) {
          clean = false
          // Undecided: still 503 after 30 s, or 2 s after the round stopped.
          if (attempt > 300 || performance.now() > stoppedAt + 2_000) {
            code.undecided = true
            break
          }
          await sleep(100)
          round.resent += pending.length
        }
        round.redemptions += pending.length
        const answers = await Promise.all(
          pending.map((instance) => send(instance.address, 'auth.complete', { body: { clientCode, serverCode } })),
        )
        for (const answer of answers) {
          if (answer.status !== 200) continue
          code.won++
          token = answer.data.accessToken
        }
        pending = pending.filter((_, i) => answers[i].reason === 'store_unavailable')
        if (pending.length > 0) code.refused = true
      }
      if (code.won !== 1 || code.undecided) return
      if (n % 10 === 0) {
        const me = await send(instances[(n + 1) % 2].address, 'auth.me', { bearer: token })
        if (me.status !== 200) return
      }
      // Fully successful: every call answered at once, no copy had to be sent again.
      entry.ok = clean
    } finally {
      entry.endedAt = performance.now()
    }
  }

  out()
  out(
    `Failover round: ${FAILOVER_CONCURRENCY} login loops through both instances; after ${FAILOVER_WARMUP_MS / 1000} s ` +
      `the master :${victim.port} (slot ${slot}, bp:flow-events; replica :${heir.port}) is SIGKILLed…`,
  )
  // Half the loops are returning users, as in phase 1 (one provider session each; their sign-ins pile up as
  // sessions), half first-time users (a new account, so a session index of one, at each login): auth.complete
  // reads every session of its user (session-index.ts), so the two fare differently while a master is down.
  const workers = Array.from({ length: FAILOVER_CONCURRENCY }, async (_, worker) => {
    const returning = worker % 2 === 0
    const jar = new Map()
    for (let n = worker; stoppedAt === Number.POSITIVE_INFINITY; n += FAILOVER_CONCURRENCY) {
      await login(n, returning ? `Failover ${worker}` : `Newcomer ${worker}.${n}`, returning ? jar : new Map(), returning).catch(
        (error) => round.unexpected.push(`a login failed: ${error.message}`),
      )
    }
  })
  await sleep(FAILOVER_WARMUP_MS)
  killedAt = performance.now()
  await cluster.nodes.find((node) => node.port === victim.port).kill()
  const watch = watchCluster(observer.port, victim.id, heir.id, killedAt)
  // Traffic goes on until the replica is promoted and logins have succeeded for 3 s after the last 503, or the bound.
  const bound = killedAt + (RECOVERY_SECONDS + 5) * 1000
  while (performance.now() < bound) {
    await sleep(250)
    const calmSince = Math.max(killedAt, lastUnavailableAt)
    const whole = round.logins.some((entry) => entry.ok && entry.startedAt > calmSince)
    if (watch.seen.promoted !== undefined && whole && performance.now() - calmSince > 3_000) break
  }
  stoppedAt = performance.now()
  await Promise.all(workers)
  const seen = await watch.stop()

  // The figures, in seconds after the kill.
  const since = (at) => ((at - killedAt) / 1000).toFixed(2)
  const after = round.unavailable.filter((x) => x.at >= killedAt)
  const before = round.unavailable.filter((x) => x.at < killedAt)
  const lastUnavailable = after.length > 0 ? Math.max(...after.map((x) => x.at)) : killedAt
  const firstOk = (returning) =>
    Math.min(...round.logins.filter((x) => x.ok && x.returning === returning && x.startedAt >= killedAt).map((x) => x.endedAt))
  const recovered = Math.min(...round.logins.filter((x) => x.ok && x.startedAt > lastUnavailable).map((x) => x.endedAt))
  const doubles = round.codes.filter((code) => code.won > 1).length
  const undecided = round.codes.filter((code) => code.undecided).length
  const never = round.codes.filter((code) => code.won === 0 && !code.undecided)
  // Replication lags by well under a millisecond here: a code issued a second before the kill is on the replica.
  const neverBefore = never.filter((code) => code.issuedAt < killedAt - 1_000).length
  const byCall = (path) => after.filter((x) => x.path === path).length
  const at = (seconds) => (seconds === undefined ? 'not seen' : `${seconds.toFixed(2)} s`)
  const loginsBefore = round.logins.filter((x) => x.startedAt < killedAt)
  const seconds = (at) => (Number.isFinite(at) ? `${since(at)} s` : 'never')
  // Sessions each returning user had at the kill (its logins done before it; none before the round).
  const sessionsAtKill = Math.ceil(loginsBefore.filter((x) => x.returning && x.ok).length / Math.ceil(FAILOVER_CONCURRENCY / 2))
  out(
    `failover: logins ${round.logins.length} (${loginsBefore.length} started before the kill), fully successful ` +
      `${round.logins.filter((x) => x.ok).length}; round ${((stoppedAt - killedAt) / 1000 + FAILOVER_WARMUP_MS / 1000).toFixed(1)} s`,
  )
  const issued = never.map((code) => code.issuedAt)
  // A code whose claim stood while the rest of auth.complete failed is spent: its retries answer invalid_grant.
  const neverDetail =
    never.length === 0
      ? ''
      : ` (issued ${since(Math.min(...issued))} to ${since(Math.max(...issued))} s after the kill; ` +
        `${never.filter((code) => code.refused).length} of them spent by a claim whose auth.complete answered 503)`
  out(
    `failover: Server Codes ${round.codes.length}, redemptions sent ${round.redemptions} (${round.resent} sent again after a 503), ` +
      `redeemed once ${round.codes.filter((code) => code.won === 1).length}, twice or more ${doubles}, ` +
      `never ${never.length}${neverDetail}, ` +
      `still 503 at the end ${undecided}`,
  )
  out(
    after.length === 0
      ? 'failover: 503 store_unavailable: none after the kill'
      : `failover: 503 store_unavailable: ${after.length} answers (auth.start ${byCall('auth.start')}, callback ${byCall('callback')}, ` +
          `auth.complete ${byCall('auth.complete')}, auth.me ${byCall('auth.me')}) from ${since(after[0].at)} s to ` +
          `${since(lastUnavailable)} s after the kill; slowest answered in ${Math.max(...after.map((x) => x.ms)).toFixed(0)} ms`,
  )
  out(
    `failover: other refusals: callback 400 (flow not found) ${round.refusals.unknown_flow}, auth.me invalid_token ` +
      `${round.refusals.invalid_token}; unexpected answers ${round.unexpected.length}; 503 before the kill ${before.length}`,
  )
  out(
    `failover: the cluster (CLUSTER NODES and INFO of :${observer.port}): master :${victim.port} marked failed at ${at(seen.failed)}, ` +
      `replica :${heir.port} promoted at ${at(seen.promoted)}, cluster_state ${
        seen.stateFail === undefined ? 'never seen fail' : `fail from ${at(seen.stateFail)} to ${at(seen.stateOk)}`
      } after the kill`,
  )
  out(
    `failover: first fully successful login started after the kill: a first-time user's at ${seconds(firstOk(false))}, ` +
      `a returning user's (about ${sessionsAtKill} sessions) at ${seconds(firstOk(true))}; ` +
      `recovered (first fully successful login started after the last 503) at ${seconds(recovered)} after the kill`,
  )

  const failed = []
  if (doubles > 0) failed.push(`failover: ${doubles} Server Codes were redeemed more than once`)
  for (const line of round.unexpected.slice(0, 5)) failed.push(`failover: ${line}`)
  if (round.unexpected.length > 5) failed.push(`failover: … ${round.unexpected.length - 5} more unexpected answers`)
  if (before.length > 0) failed.push(`failover: ${before.length} answers were 503 before the kill`)
  if (neverBefore > 0) failed.push(`failover: ${neverBefore} Server Codes issued before the kill were never redeemed`)
  if (!loginsBefore.some((x) => x.ok)) failed.push('failover: no login succeeded before the kill')
  if (seen.promoted === undefined) failed.push(`failover: the replica :${heir.port} was not seen promoted`)
  if (!(recovered - killedAt <= RECOVERY_SECONDS * 1000))
    failed.push(`failover: not recovered by itself within ${RECOVERY_SECONDS} s`)
  if (undecided > 0) failed.push(`failover: ${undecided} Server Codes still answered 503 when the round ended`)
  return failed
}

/**
 * Polls CLUSTER NODES and CLUSTER INFO of the node on `port` every 100 ms: when (seconds after `since`) it marks
 * the master `victimId` failed, sees `heirId` promoted, and reports cluster_state fail and ok again.
 */
function watchCluster(port, victimId, heirId, since) {
  const seen = {}
  let stopped = false
  const done = (async () => {
    while (!stopped) {
      const [nodes, info] = await Promise.all([
        clusterNodes(port).catch(() => []),
        command(port, 'CLUSTER', 'INFO').catch(() => ''),
      ])
      const at = (performance.now() - since) / 1000
      if (seen.failed === undefined && nodes.find((node) => node.id === victimId)?.flags.includes('fail')) seen.failed = at
      if (seen.promoted === undefined && nodes.find((node) => node.id === heirId)?.flags.includes('master')) seen.promoted = at
      if (seen.stateFail === undefined && /cluster_state:fail/.test(info)) seen.stateFail = at
      if (seen.stateFail !== undefined && seen.stateOk === undefined && /cluster_state:ok/.test(info)) seen.stateOk = at
      // Nothing more to see once the replica serves and the cluster is whole again.
      if (seen.promoted !== undefined && /cluster_state:ok/.test(info)) return
      await sleep(100)
    }
  })()
  return {
    seen,
    async stop() {
      stopped = true
      await done
      return seen
    },
  }
}

/** POSTs a JSON body on a keep-alive agent; resolves with the status once the answer is read. */
function postFast(agent, address, path, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      `${address}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** A whole login against one instance (used after the flood). */
async function oneLogin(address, redirectUri, publicUrl) {
  const clientCode = randomBytes(32).toString('base64url')
  const clientCodeHash = createHash('sha256').update(clientCode).digest('base64url')
  const stats = { status5xx: 0 }
  const started = await call(
    address,
    'auth.start',
    { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri },
    stats,
  )
  const callbackUrl = await loginAtProvider(started.authorizationUrl, `${publicUrl}/auth/callback`, 'After Flood')
  const callback = await fetch(`${address}/auth/callback${callbackUrl.search}`, { redirect: 'manual' })
  const serverCode = new URL(callback.headers.get('location')).searchParams.get('server_code')
  await call(address, 'auth.complete', { clientCode, serverCode }, stats)
}

async function call(address, path, input, stats) {
  const response = await fetch(`${address}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
  if (response.status >= 500) stats.status5xx++
  const body = await response.json()
  if (response.status !== 200) throw new Error(`${path} answered ${response.status} ${JSON.stringify(body)}`)
  return body.result.data
}

/** Logs in at the development provider like a browser (cookie jar, the login form), stopping at `stopAt`. */
async function loginAtProvider(authorizationUrl, stopAt, name, jar = new Map()) {
  let url = authorizationUrl
  let method = 'GET'
  let body
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(stopAt)) return new URL(url)
    const response = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair.indexOf('=')
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    const location = response.headers.get('location')
    await response.arrayBuffer()
    if (location) {
      url = new URL(location, url).href
      method = 'GET'
      body = undefined
      continue
    }
    if (response.status === 200 && method === 'GET' && url.includes('/interaction/')) {
      method = 'POST'
      body = new URLSearchParams({ action: 'login', name }).toString()
      continue
    }
    throw new Error(`provider login stopped at ${response.status} ${url}`)
  }
  throw new Error('too many redirects at the provider')
}

/** A child process `node server/dist/main.js` with `env`; resolves once /readyz is 200 and it signs. */
async function startInstance(env) {
  const child = spawn(process.execPath, [join(root, 'server/dist/main.js')], {
    cwd: root,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  track(child)
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const address = `http://127.0.0.1:${env.PORT}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance on ${env.PORT} exited: ${stderr}`)
    const ready = await fetch(`${address}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    )
    const signs =
      ready &&
      (await fetch(`${address}/.well-known/jwks.json`).then(
        (r) => r.status === 200,
        () => false,
      ))
    if (signs) break
    if (Date.now() > deadline) throw new Error(`instance on ${env.PORT} not ready: ${stderr}`)
    await sleep(100)
  }
  return {
    address,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await Promise.race([exited, sleep(12_000)])
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}

/** A real OpenID provider (oidc-provider via the server's createDevProvider) on its own port. */
async function startProvider(createDevProvider, redirectUris) {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}/oidc`
  const client = { clientId: 'soak-client', clientSecret: randomBytes(24).toString('base64url'), redirectUris }
  const provider = createDevProvider({ issuer, clients: [client], title: 'Soak ID' })
  const server = createServer((req, res) => {
    if (!provider.handle(req, res)) res.writeHead(404).end()
  })
  server.keepAliveTimeout = 30_000
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bp-soak-redis-'))
  tempDirs.add(dir)
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  )
  track(child)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const deadline = Date.now() + 10_000
  while (!(await pong(port))) {
    if (Date.now() > deadline) throw new Error('redis-server did not start')
    await sleep(50)
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM')
      await Promise.race([exited, sleep(5_000)])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function pong(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
  })
}

/** Samples the RSS (MB) of each instance every second until stopped. */
function sampleRss(instances) {
  const samples = []
  const take = () => samples.push(instances.map((instance) => rssMb(instance.pid)))
  take()
  const timer = setInterval(take, 1000)
  return {
    stop() {
      clearInterval(timer)
      take()
      return samples
    },
  }
}

function rssMb(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
    return Math.round(kb / 1024)
  } catch {
    return 0
  }
}

/** First, last, max, and the least-squares slope over the last half (MB/min, one sample a second). */
function summarise(series) {
  const half = series.slice(Math.floor(series.length / 2))
  const n = half.length
  let slope = 0
  if (n >= 2) {
    const meanX = (n - 1) / 2
    const meanY = half.reduce((sum, y) => sum + y, 0) / n
    let num = 0
    let den = 0
    half.forEach((y, x) => {
      num += (x - meanX) * (y - meanY)
      den += (x - meanX) ** 2
    })
    slope = (num / den) * 60
  }
  return { first: series[0] ?? 0, last: series.at(-1) ?? 0, max: Math.max(0, ...series), slope }
}

function pct(values, p) {
  if (values.length === 0) return '-'
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1)
}

function table(rows) {
  const width = Math.max(...rows.map(([label]) => label.length))
  out(`| ${'figure'.padEnd(width)} | value`)
  out(`| ${'-'.repeat(width)} | -----`)
  for (const [label, value] of rows) out(`| ${label.padEnd(width)} | ${value}`)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function positive(name, fallback) {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}

// `pnpm soak`: a bounded soak of Boarding Pass, as deployed.
//
// Phase 1: SOAK_FLOWS (default 3,000) complete logins through TWO instances
// (child processes of server/dist/main.js) that share one PUBLIC_URL and one
// Redis, against a real OpenID provider (oidc-provider) started here. Each
// Server Code is redeemed 2 or 3 times at once across both instances.
// Invariants: every Server Code redeemed exactly once, zero 5xx, and RSS that
// levels off (slope over the last half of the run under a bound).
//
// Phase 2: a flood of SOAK_FLOOD (default 100,000) abandoned `auth.start`
// calls against one instance on the in-process store (AUTH_MAX_PENDING_FLOWS
// default 100,000). Invariants: its RSS stays under SOAK_FLOOD_MB (default
// 256 MB; see FLOOD_MB below), zero 5xx, and it still serves a whole login afterwards.
//
// Every request goes to 127.0.0.1. Bounded in count and in time (< 3 min).
import { execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import { createConnection, createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
const FLOWS = positive('SOAK_FLOWS', 3000)
const CONCURRENCY = positive('SOAK_CONCURRENCY', 16)
const FLOWS_SECONDS = positive('SOAK_SECONDS', 85)
const FLOOD = positive('SOAK_FLOOD', 100_000)
const FLOOD_CONCURRENCY = positive('SOAK_FLOOD_CONCURRENCY', 64)
const FLOOD_SECONDS = positive('SOAK_FLOOD_SECONDS', 75)
// The bound: about 2.2 KB of live heap per pending flow (measured with --expose-gc: 245 MB heap at
// 100,000 flows, flat beyond), so 100,000 flows ≈ 215 MB of heap and ~450 MB RSS with V8's slack. 256 MB
// RSS holds only up to about AUTH_MAX_PENDING_FLOWS=50,000 (docs/threat-model.md, DoS).
const FLOOD_MB = positive('SOAK_FLOOD_MB', 256)
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

const out = (line = '') => process.stdout.write(`${line}\n`)
const failures = []
const cleanup = []

try {
  if (!existsSync(join(root, 'server/dist/main.js'))) {
    out('Building server/dist (pnpm exec tsc -b)…')
    execFileSync('pnpm', ['exec', 'tsc', '-b'], { cwd: root, stdio: 'inherit' })
  }
  const { createDevProvider } = await import(join(root, 'server/dist/index.js'))
  const redis = await startRedis()
  cleanup.push(redis.stop)

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
    REDIS_URL: redis.url,
    NODE_OPTIONS: PHASE1_NODE_OPTIONS,
  })
  cleanup.push(a.stop)
  const b = await startInstance({
    ...providerEnv,
    PORT: String(await freePort()),
    REDIS_URL: redis.url,
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
  out(`Phase 1: ${FLOWS} flows, ${CONCURRENCY} at a time, two instances (${a.address}, ${b.address}), one Redis…`)
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
  out('Phase 1 — two instances, one Redis, duplicate redemptions')
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
  await a.stop()
  await b.stop()

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
    // e.g. SOAK_FLOOD_NODE_OPTIONS=--max-old-space-size=128: does the heap hold, or is the growth only lazy GC?
    ...(process.env.SOAK_FLOOD_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SOAK_FLOOD_NODE_OPTIONS } : {}),
  })
  cleanup.push(flood.stop)
  out()
  out(`Phase 2: ${FLOOD} abandoned auth.start calls, ${FLOOD_CONCURRENCY} at a time, in-process store (${flood.address})…`)
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
out('SOAK PASSED: every Server Code redeemed exactly once, no 5xx, memory levelled off and stayed within its bound.')
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
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  )
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

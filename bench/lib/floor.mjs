// The parts of the CPU floor of an operation, measured on this machine in this run (forked once per
// round by run.mjs, so the parts see the same machine as the loads around them):
//   sign     one access-token signature (node:crypto sign, the server's algorithm) over the signing
//            input of an access token the server issued in this run;
//   sha256   SHA-256 of a 43-character Client Code (what auth.complete checks it with);
//   redis    the client-side CPU of the store's round trips with node-redis (the copy the server
//            uses), at each concurrency: `complete` = a GETDEL, then a SET … PX (auth.complete's
//            take, then its write; auth.refresh does the same: one atomic swap, one write), `me` =
//            one GET (auth.me's login read). Values are records the server wrote, at their size.
//            Concurrent loops, so node-redis pipelines what is written in the same tick, as it
//            does under a server's concurrent requests.
// Every figure is this process's CPU time (user + system) over a timed loop ÷ operations.
//
// Job (one IPC message): { signingInput, signingAlg, clientCode, samples: { serverCode, login },
//   stores: [{ name, url } | { name, seeds }], connections: [16, 64], seconds }
// Answer: { signUs, sha256Us, redis: { [store name]: { [connections]: { completeUs, meUs, completeOps, meOps } } } }
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

/** node-redis, through the copy of @keyv/redis the server uses (the bench has no dependency of its own on it). */
const fromServer = createRequire(new URL('../../server/package.json', import.meta.url))
const { createClient, createCluster } = await import(pathToFileURL(fromServer.resolve('@keyv/redis')).href)

const cpuMicros = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** CPU µs per call of a synchronous `fn`, over about `seconds` (after a warm-up). */
function perCall(fn, seconds) {
  for (let i = 0; i < 2_000; i++) fn()
  const end = performance.now() + seconds * 1000
  const before = cpuMicros()
  let calls = 0
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) fn()
    calls += 100
  }
  return (cpuMicros() - before) / calls
}

/** CPU µs per `step` over about `seconds`, `width` loops at a time (after a warm-up). */
async function perStep(step, width, seconds) {
  const run = async (ms) => {
    const end = performance.now() + ms
    let steps = 0
    await Promise.all(
      Array.from({ length: width }, async (_, lane) => {
        while (performance.now() < end) {
          await step(lane)
          steps++
        }
      }),
    )
    return steps
  }
  await run(200)
  const before = cpuMicros()
  const steps = await run(seconds * 1000)
  return { us: (cpuMicros() - before) / steps, ops: steps }
}

async function measureRedis(store, { samples, connections, seconds }) {
  const socket = { connectTimeout: 2_000, reconnectStrategy: false }
  const client = store.seeds
    ? createCluster({
        rootNodes: store.seeds.split(',').map((url) => ({ url })),
        defaults: { disableOfflineQueue: true, socket },
      })
    : createClient({ url: store.url, disableOfflineQueue: true, socket })
  client.on('error', () => undefined)
  await client.connect()
  const ttl = { expiration: { type: 'PX', value: 60_000 } }
  // Hash-tagged as the server's cluster keys are: one slot per lane, spread over the masters.
  const key = (kind, lane) => `bench:floor:${kind}:{${lane}}`
  const width = Math.max(...connections)
  try {
    for (let lane = 0; lane < width; lane++) {
      await client.set(key('code', lane), samples.serverCode, ttl)
      await client.set(key('login', lane), samples.login, ttl)
    }
    const out = {}
    for (const c of connections) {
      // The take reads a Server Code record; the write puts one back, for the next take of that lane.
      const complete = await perStep(
        async (lane) => {
          await client.getDel(key('code', lane))
          await client.set(key('code', lane), samples.serverCode, ttl)
        },
        c,
        seconds,
      )
      const me = await perStep((lane) => client.get(key('login', lane)), c, seconds)
      out[c] = { completeUs: complete.us, meUs: me.us, completeOps: complete.ops, meOps: me.ops }
    }
    return out
  } finally {
    for (let lane = 0; lane < width; lane++) await client.del([key('code', lane), key('login', lane)]).catch(() => undefined)
    await client.close().catch(() => client.destroy())
  }
}

async function measure(job) {
  const { privateKey } =
    job.signingAlg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
  const data = () => Buffer.from(job.signingInput)
  const signUs =
    job.signingAlg === 'ES256'
      ? perCall(() => sign('sha256', data(), { key: privateKey, dsaEncoding: 'ieee-p1363' }), job.seconds)
      : perCall(() => sign(null, data(), privateKey), job.seconds)
  const sha256Us = perCall(() => createHash('sha256').update(job.clientCode, 'ascii').digest('base64url'), job.seconds)
  const redis = {}
  for (const store of job.stores) redis[store.name] = await measureRedis(store, job)
  return { signUs, sha256Us, redis }
}

// The parent is gone (interrupted, failed): nobody wants the answer.
process.on('disconnect', () => process.exit(0))

process.once('message', async (job) => {
  try {
    process.send({ result: await measure(job) }, () => process.exit(0))
  } catch (error) {
    process.send({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1))
  }
})

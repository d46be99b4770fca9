import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { freePort } from '../support/ports.js'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { beginFlow, loginAtProvider, obtainServerCode, sendCallback, signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { controlledRedis, type ControlledRedis } from './harness/redis-process.js'
import { untilSigning } from './harness/service.js'
import { slowLink, type SlowLink } from './harness/slow-link.js'
import { startSlowProvider, type SlowProvider } from './harness/slow-provider.js'
import { eventually, timed } from './harness/timing.js'

/**
 * Store and process faults: Redis absent, crashed, frozen, and the process
 * told to stop. Each time the service must answer fast (503 store_unavailable,
 * never a hang), keep serving, and recover by itself. Each test has a Redis of
 * its own (rate limits on, as in production), since it breaks it.
 */

/** How long a refusal may take while the store is away (the store's own timeout is 1 s). */
const FAST_MS = 1_500

async function status(url: string): Promise<number> {
  return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status
}

async function startOn(redis: ControlledRedis): Promise<Service> {
  return startService({ env: { REDIS_URL: redis.url, AUTH_RATE_LIMITS: 'on' } })
}

describe('start-up with Redis up, across a slow network', () => {
  let redis: ControlledRedis
  let link: SlowLink
  let service: Service | undefined

  beforeAll(async () => {
    redis = await controlledRedis()
    await redis.start()
    link = await slowLink(redis.port, 300)
  })
  afterAll(async () => {
    await service?.close()
    await link?.close()
    await redis?.dispose()
  })

  it('an instance that has started has its signing keys: JWKS 200 and tokens signed from its first login', async () => {
    service = await startService({ env: { REDIS_URL: `redis://127.0.0.1:${link.port}`, AUTH_RATE_LIMITS: 'off' } })
    const jwks = await fetch(`${service.bp.address}/.well-known/jwks.json`)
    expect(jwks.status, 'JWKS right after start (503 means the keys were not loaded)').toBe(200)
    const { flow, serverCode } = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })
    const complete = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
    })
    expect(complete.status, JSON.stringify(complete.body)).toBe(200)
  })
})

describe('Redis down at start', () => {
  let redis: ControlledRedis
  let service: Service

  beforeAll(async () => {
    redis = await controlledRedis()
    service = await startOn(redis)
  })
  afterAll(async () => {
    await service?.close()
    await redis?.dispose()
  })

  it('the process serves: /healthz 200, /readyz 503, and calls are refused fast as store_unavailable', async () => {
    expect(await status(`${service.bp.address}/healthz`)).toBe(200)
    const ready = await fetch(`${service.bp.address}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ reason: 'store_unavailable' })

    const start = await timed('auth.start with Redis down', 5_000, () => beginStart(service))
    expectRefusal(start.value, 'store_unavailable')
    expect(start.ms).toBeLessThan(FAST_MS)

    const complete = await timed('auth.complete with Redis down', 5_000, () =>
      callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode: 'C'.repeat(43), serverCode: 'S'.repeat(43) } }),
    )
    expectRefusal(complete.value, 'store_unavailable')
    expect(complete.ms).toBeLessThan(FAST_MS)

    const callback = await timed('the callback with Redis down', 5_000, () => sendCallback(service.bp.address, '?state=x&code=y'))
    expect(callback.value.status).toBe(503)
    expect(callback.value.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(callback.value.headers.get('location')).toBeNull()
    expect(callback.ms).toBeLessThan(FAST_MS)
  })

  it('recovers by itself once Redis comes up: /readyz 200 and a whole login works', async () => {
    await redis.start()
    await eventually(
      '/readyz 200 after Redis came up',
      10_000,
      async () => (await status(`${service.bp.address}/readyz`)) === 200,
    )
    await untilSigning(service.bp)
    const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
    expect((await callProcedure(service.bp.url, 'auth.me', { bearer: tokens.accessToken })).status).toBe(200)
  })
})

describe('Redis lost in the middle of flows, and brought back with its data', () => {
  let redis: ControlledRedis
  let service: Service

  beforeAll(async () => {
    redis = await controlledRedis()
    await redis.start()
    service = await startOn(redis)
    await untilSigning(service.bp)
  })
  afterAll(async () => {
    await service?.close()
    await redis?.dispose()
  })

  it('during the outage every step is refused fast; afterwards the flows started before it complete', async () => {
    // One flow waits at the provider's callback (its state is in Redis), one holds a Server Code.
    const waiting = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const callbackUrl = await loginAtProvider(waiting, service.publicUrl)
    const issued = await obtainServerCode(service.bp.url, { redirectUri: service.redirectUri })

    await redis.crash()
    expect(await status(`${service.bp.address}/healthz`)).toBe(200)
    await eventually('/readyz 503 during the outage', 5_000, async () => (await status(`${service.bp.address}/readyz`)) === 503)
    const callback = await timed('the callback during the outage', 5_000, () => sendCallback(service.bp.address, callbackUrl))
    expect(callback.value.status).toBe(503)
    expect(callback.ms).toBeLessThan(FAST_MS)
    const complete = await timed('auth.complete during the outage', 5_000, () =>
      callProcedure(service.bp.url, 'auth.complete', {
        mutation: { clientCode: issued.flow.pair.clientCode, serverCode: issued.serverCode },
      }),
    )
    expectRefusal(complete.value, 'store_unavailable')
    expect(complete.ms).toBeLessThan(FAST_MS)

    await redis.start()
    await eventually(
      '/readyz 200 after Redis came back',
      10_000,
      async () => (await status(`${service.bp.address}/readyz`)) === 200,
    )

    const back = await sendCallback(service.bp.address, callbackUrl)
    expect(back.status, 'the flow started before the outage').toBe(302)
    const serverCode = new URL(back.headers.get('location')!).searchParams.get('server_code')
    expect(serverCode).toBeTruthy()
    const first = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: waiting.pair.clientCode, serverCode },
    })
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const second = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: issued.flow.pair.clientCode, serverCode: issued.serverCode },
    })
    expect(second.status, 'the Server Code issued before the outage').toBe(200)
  })
})

describe('Redis frozen (SIGSTOP: connections open, no answers)', () => {
  let redis: ControlledRedis
  let service: Service
  let accessToken: string

  beforeAll(async () => {
    redis = await controlledRedis()
    await redis.start()
    service = await startOn(redis)
    await untilSigning(service.bp)
    accessToken = (await signIn(service.bp.url, { redirectUri: service.redirectUri })).accessToken
  })
  afterEach(() => redis?.resume())
  afterAll(async () => {
    await service?.close()
    await redis?.dispose()
  })

  it('/readyz says 503 and /healthz 200, at once', async () => {
    redis.pause()
    const ready = await timed('/readyz with Redis frozen', 5_000, () => status(`${service.bp.address}/readyz`))
    expect(ready.value).toBe(503)
    expect(ready.ms).toBeLessThan(FAST_MS)
    expect((await timed('/healthz with Redis frozen', 1_000, () => status(`${service.bp.address}/healthz`))).value).toBe(200)
  })

  const refreshToken = `${'L'.repeat(22)}.${'R'.repeat(43)}`
  it.each([
    ['auth.start', (s: Service) => beginStart(s)],
    [
      'auth.complete',
      (s: Service) =>
        callProcedure(s.bp.url, 'auth.complete', { mutation: { clientCode: 'C'.repeat(43), serverCode: 'S'.repeat(43) } }),
    ],
    ['auth.refresh', (s: Service) => callProcedure(s.bp.url, 'auth.refresh', { mutation: { refreshToken } })],
    ['auth.logout', (s: Service) => callProcedure(s.bp.url, 'auth.logout', { mutation: { refreshToken } })],
    ['auth.me with a live access token', (s: Service) => callProcedure(s.bp.url, 'auth.me', { bearer: accessToken })],
  ] as const)('%s is refused as store_unavailable within ~1.5 s, not left hanging', async (what, call) => {
    redis.pause()
    const answer = await timed(`${what} with Redis frozen`, 6_000, () => call(service))
    expectRefusal(answer.value, 'store_unavailable')
    expect(answer.ms).toBeLessThan(FAST_MS + 500)
  })

  it('the callback answers 503 (with Retry-After) within ~1.5 s, not left hanging', async () => {
    const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const callbackUrl = await loginAtProvider(flow, service.publicUrl)
    redis.pause()
    const answer = await timed('the callback with Redis frozen', 6_000, () => sendCallback(service.bp.address, callbackUrl))
    expect(answer.value.status).toBe(503)
    expect(answer.value.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(answer.ms).toBeLessThan(FAST_MS + 500)
  })

  it('after SIGCONT it serves again by itself: a whole login works', async () => {
    redis.pause()
    await timed('a request with Redis frozen', 6_000, () => status(`${service.bp.address}/readyz`))
    redis.resume()
    await eventually('/readyz 200 after SIGCONT', 10_000, async () => (await status(`${service.bp.address}/readyz`)) === 200)
    const tokens = await signIn(service.bp.url, { redirectUri: service.redirectUri })
    expect(tokens.user.provider).toBe('acme')
  })
})

describe('SIGTERM drains the process (node server/dist/main.js)', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  let provider: SlowProvider
  let child: ChildProcess | undefined

  beforeAll(() => {
    // The test script builds first; a lone run of this file builds what is missing.
    if (!existsSync(`${root}server/dist/main.js`)) execFileSync('pnpm', ['exec', 'tsc', '-b'], { cwd: root, stdio: 'ignore' })
  }, 180_000)
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
    await provider?.close()
  })

  it('requests in flight finish, new connections are refused, streams are ended, and it exits 0 within 10 s', async () => {
    const port = await freePort()
    const publicUrl = `http://localhost:${port}`
    provider = await startSlowProvider({ redirectUris: [`${publicUrl}/auth/callback`] })
    const output: string[] = []
    const started = spawn(process.execPath, [`${root}server/dist/main.js`], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: publicUrl,
        REDIS_URL: inject('redisUrl'),
        AUTH_RATE_LIMITS: 'off',
        AUTH_PROVIDERS: 'acme',
        AUTH_ACME_ISSUER: provider.issuer,
        AUTH_ACME_ID: provider.clientId,
        AUTH_ACME_SECRET: provider.clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = started
    started.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()))
    started.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()))
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
      started.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
    )
    const address = `http://127.0.0.1:${port}`
    await eventually(
      'the spawned instance answering /readyz 200',
      20_000,
      async () => (await status(`${address}/readyz`)) === 200,
    )
    await eventually(
      'the spawned instance signing',
      10_000,
      async () => (await status(`${address}/.well-known/jwks.json`)) === 200,
    )

    // In flight 1: a callback whose provider leg is slow (the token request waits 2 s).
    const flow = await beginFlow(publicUrl, { redirectUri: `${publicUrl}/callback` })
    const callbackUrl = await loginAtProvider(flow, publicUrl)
    provider.setTokenDelay(2_000)
    const inFlight = sendCallback(address, callbackUrl)
    // In flight 2: a cross-device watcher, a stream that would never end by itself.
    const device = await callProcedure<{ flowId: string }>(publicUrl, 'auth.start', {
      mutation: { mode: 'cross-device', clientCodeHash: flow.pair.clientCodeHash, hashMethod: 'sha256' },
    })
    expect(device.status).toBe(200)
    const watch = await fetch(
      `${address}/trpc/auth.watch?input=${encodeURIComponent(JSON.stringify({ flowId: device.body.result!.data.flowId }))}`,
    )
    expect(watch.headers.get('content-type')).toContain('text/event-stream')
    const streamEnded = watch.text().then(
      () => 'ended',
      () => 'cut',
    )
    await eventually('the slow token request reaching the provider', 5_000, async () => provider.tokenRequests > 0, 20)

    const sentAt = performance.now()
    started.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 200))
    const late = await fetch(`${address}/healthz`, { signal: AbortSignal.timeout(3_000) }).then(
      (response) => response.status,
      () => 'refused',
    )
    expect([503, 'refused']).toContain(late)

    const drained = await inFlight
    expect(drained.status, 'the callback in flight when SIGTERM came').toBe(302)
    expect(new URL(drained.headers.get('location')!).searchParams.get('server_code')).toBeTruthy()
    expect(await streamEnded).toMatch(/ended|cut/)

    const exit = await timed('the process exiting after SIGTERM', 12_000, () => exited)
    expect(exit.value.code, output.join('')).toBe(0)
    expect(exit.value.at - sentAt).toBeLessThan(10_000)
    expect(output.join('')).toContain('shutting down')
  })
})

function beginStart(service: Service) {
  return callProcedure(service.bp.url, 'auth.start', {
    mutation: { provider: 'acme', clientCodeHash: 'A'.repeat(43), hashMethod: 'sha256', redirectUri: service.redirectUri },
  })
}

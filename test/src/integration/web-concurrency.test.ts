import { createClientCodePair, tokenResponse } from '@boarding-pass/shared'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { get } from 'node:http'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { MAIN, runMain } from '../support/main-process.js'
import { freePort } from '../support/ports.js'
import { expectRefusal } from '../support/refusal.js'
import { obtainServerCode, signIn } from '../support/sign-in.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure } from '../support/trpc-http.js'

const run = promisify(execFile)

/** The pids of `pid`'s child processes. */
async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }))
  return stdout.split('\n').filter(Boolean).map(Number)
}

describe('WEB_CONCURRENCY=2: two worker processes on one port (node:cluster), the built server on Redis', () => {
  let idp: ThirdPartyProvider
  let child: ChildProcess
  let url: string
  let metricsUrl: string
  let output = ''
  let exited: Promise<number | null>

  beforeAll(async () => {
    const port = await freePort()
    const metricsPort = await freePort()
    url = `http://localhost:${port}`
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
    idp = await startThirdPartyProvider({ redirectUris: [`${url}/auth/callback`] })
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        PUBLIC_URL: url,
        REDIS_URL: inject('redisUrl'),
        WEB_CONCURRENCY: '2',
        METRICS_PORT: String(metricsPort),
        AUTH_RATE_LIMITS: 'off',
        AUTH_PROVIDERS: 'acme',
        AUTH_ACME_ISSUER: idp.issuer,
        AUTH_ACME_ID: idp.clientId,
        AUTH_ACME_SECRET: idp.clientSecret,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
    const deadline = Date.now() + 20_000
    while (!output.includes('Boarding Pass is running')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`did not start:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })
  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL')
    await idp?.close()
  })

  it('runs two workers under one primary, announced once; health and readiness answer', async () => {
    expect(await childrenOf(child.pid!)).toHaveLength(2)
    expect(output.match(/Boarding Pass is running/g)).toHaveLength(1)
    for (const path of ['/healthz', '/readyz']) expect((await fetch(`${url}${path}`)).status).toBe(200)
  })

  it('each log line says which worker wrote it (both start with a warning: no AUTH_KEY_ENCRYPTION_KEY here)', async () => {
    const workers = () =>
      new Set(
        output
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => (JSON.parse(line) as { worker?: unknown }).worker),
      )
    // Log lines are written in batches, at most 200 ms late.
    for (const deadline = Date.now() + 3_000; workers().size < 2 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect([...workers()].sort()).toEqual([1, 2])
  })

  it('the happy path: start, provider, callback, complete, me, refresh, over connections that land on either worker', async () => {
    for (let i = 0; i < 4; i++) {
      const tokens = await signIn(url, { redirectUri: `${url}/callback`, name: `Worker Test ${i}` })
      const me = await callProcedure(url, 'auth.me', { bearer: tokens.accessToken })
      expect(me.status).toBe(200)
      const refreshed = await callProcedure(url, 'auth.refresh', { mutation: { refreshToken: tokens.refreshToken } })
      expect(refreshed.status).toBe(200)
      tokenResponse.parse(refreshed.body.result!.data)
    }
  })

  it('METRICS_PORT: one scrape counts the requests of both workers (the primary sums their registries)', async () => {
    const count = async () => {
      const text = await (await fetch(metricsUrl)).text()
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('bp_http_request_duration_seconds_count{') &&
            l.includes('route="/healthz"') &&
            l.includes('status="200"'),
        )
      return Number(line?.split(' ').pop() ?? 0)
    }
    const before = await count()
    // A new connection each: node:cluster hands connections to the workers in turn.
    const served = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<number | undefined>((resolve, reject) =>
            get(`${url}/healthz`, { agent: false }, (res) => resolve(res.resume().statusCode)).once('error', reject),
          ),
      ),
    )
    expect(served.every((status) => status === 200)).toBe(true)
    // Each request is counted when its answer is done, a moment after the client has it.
    let counted = (await count()) - before
    for (const deadline = Date.now() + 2_000; counted < 20 && Date.now() < deadline; counted = (await count()) - before) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(counted).toBe(20)
  })

  it('one Server Code sent 10 times at once: exactly one 200, the rest invalid_grant', async () => {
    const { flow, serverCode } = await obtainServerCode(url, { redirectUri: `${url}/callback` })
    const input = { clientCode: flow.pair.clientCode, serverCode }
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => callProcedure(url, 'auth.complete', { mutation: input })),
    )
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1)
    for (const loser of responses.filter((response) => response.status !== 200)) expectRefusal(loser, 'invalid_grant')
  })

  it('SIGTERM to the primary: requests in flight are answered, every worker drains and exits, the primary exits 0', async () => {
    const workers = await childrenOf(child.pid!)
    expect(workers).toHaveLength(2)
    const { clientCodeHash } = await createClientCodePair()
    const input = { provider: 'acme', clientCodeHash, hashMethod: 'sha256', redirectUri: `${url}/callback` }
    let signalled = false
    // 20 requests on their own connections; SIGTERM goes out as soon as the first is answered.
    const burst = Array.from({ length: 20 }, () =>
      fetch(`${url}/trpc/auth.start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify(input),
      }).then(
        async (response) => {
          if (!signalled) {
            signalled = true
            child.kill('SIGTERM')
          }
          return response.status
        },
        (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? String(error),
      ),
    )
    const outcomes = await Promise.all(burst)
    expect(await exited).toBe(0)
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow()
    // Every HTTP answer is a 200: no worker answered 5xx while draining. A connection that had sent
    // nothing the worker had read yet may be closed (ECONNRESET) or find the port shut (ECONNREFUSED),
    // exactly as with one process (WEB_CONCURRENCY=1 does the same in this test).
    expect(outcomes.filter((outcome) => typeof outcome === 'number' && outcome !== 200)).toEqual([])
    expect(
      outcomes.filter((outcome) => typeof outcome !== 'number' && !['ECONNRESET', 'ECONNREFUSED'].includes(outcome)),
    ).toEqual([])
    expect(outcomes.filter((outcome) => outcome === 200).length).toBeGreaterThan(0)
  })
})

describe('WEB_CONCURRENCY=2: SIGTERM the moment the service is announced', () => {
  // The banner comes once every worker listens, which each does inside startApp, before it is back in
  // main.ts; a worker that took SIGTERM only after that died of it, undrained, and the primary exited 1.
  it.each([1, 2])('every worker drains and the primary exits 0 (round %i)', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(await freePort()),
        REDIS_URL: inject('redisUrl'),
        WEB_CONCURRENCY: '2',
        AUTH_PROVIDERS: 'acme',
        // Nothing answers there: discovery is retried on first use, and there is none.
        AUTH_ACME_ISSUER: 'http://127.0.0.1:1/oidc',
        AUTH_ACME_ID: 'id',
        AUTH_ACME_SECRET: 'secret',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes('Boarding Pass is running')) child.kill('SIGTERM')
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)))
    expect(stdout).toContain('Boarding Pass is running')
    expect(code, stderr).toBe(0)
  })
})

describe('WEB_CONCURRENCY=2 without a shared store', () => {
  it('is refused at start, naming WEB_CONCURRENCY (the in-process store is per worker)', async () => {
    const result = await runMain({
      WEB_CONCURRENCY: '2',
      PORT: String(await freePort()),
      AUTH_PROVIDERS: 'acme',
      AUTH_ACME_ISSUER: 'https://id.example.com',
      AUTH_ACME_ID: 'id',
      AUTH_ACME_SECRET: 'secret',
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/WEB_CONCURRENCY: .*in-process store is per worker/)
  })
})

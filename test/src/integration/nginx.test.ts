import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tokenResponse, userSchema, type TokenResponse } from '@boarding-pass/shared'
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { complete, startDevice } from '../cross-device/device.js'
import { Phone } from '../cross-device/phone.js'
import { watch } from '../cross-device/watch.js'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import {
  DEPLOY_FILES,
  makeSelfSignedCert,
  readEnvFile,
  renderNginxConf,
  startNginx,
  type NginxProcess,
} from '../support/deploy-kit.js'
import { freePort } from '../support/ports.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { expectRefusal } from '../support/refusal.js'
import { signIn } from '../support/sign-in.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from '../support/third-party-provider.js'
import { callProcedure } from '../support/trpc-http.js'

/**
 * Issue 12 item 4: the shipped deploy/nginx.conf, run by Debian's real nginx
 * (its listen ports, upstream addresses, certificate and log paths substituted;
 * nothing else), terminating TLS with a self-signed certificate made here by
 * openssl, in front of two Boarding Pass instances that share a Redis and start
 * with the shipped deploy/boarding-pass.env (NODE_ENV=production,
 * TRUST_PROXY_HOPS=1) and PUBLIC_URL = the proxy's https URL. The provider is a
 * separate real oidc-provider on loopback (the development provider keeps its
 * sessions in one instance's memory, so it cannot sit behind round robin).
 * Every client call goes through nginx over TLS, trusting only that certificate.
 */
const START_LIMIT = 5

describe('two instances behind the shipped nginx config, over TLS', () => {
  let dir: string
  let redis: PrivateRedis
  let idp: ThirdPartyProvider
  let instances: TestInstance[]
  let nginx: NginxProcess
  let proxyUrl: string
  let httpPort: number
  let redirectUri: string
  let ca: string
  let previousDispatcher: Dispatcher
  const agents: Agent[] = []

  /** A client on its own loopback address (127.0.0.N), as a distinct machine would be, trusting the test's certificate. */
  const clientAt = (address: string) => {
    const agent = new Agent({ localAddress: address, connect: { ca } })
    agents.push(agent)
    return agent
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bp-nginx-'))
    const certs = makeSelfSignedCert(join(dir, 'certs'))
    ca = certs.pem
    previousDispatcher = getGlobalDispatcher()
    // Every fetch in this file (the helpers' too) trusts the test's certificate, and only it.
    setGlobalDispatcher(new Agent({ connect: { ca } }))

    httpPort = await freePort()
    const tlsPort = await freePort()
    proxyUrl = `https://localhost:${tlsPort}`
    redirectUri = `${proxyUrl}/callback`
    redis = await startPrivateRedis()
    idp = await startThirdPartyProvider({ redirectUris: [`${proxyUrl}/auth/callback`] })
    const env: Record<string, string> = {
      ...readEnvFile(DEPLOY_FILES.instanceEnv),
      PUBLIC_URL: proxyUrl,
      REDIS_URL: redis.url,
      AUTH_PROVIDERS: 'acme',
      AUTH_ACME_ISSUER: idp.issuer,
      AUTH_ACME_ID: idp.clientId,
      AUTH_ACME_SECRET: idp.clientSecret,
      AUTH_ACME_NAME: 'Acme ID',
      // Required in production with Redis once keys at rest are encrypted (branch standards); ignored before.
      AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      AUTH_RATE_LIMIT_START: `${START_LIMIT}/60`,
    }
    expect(env.TRUST_PROXY_HOPS).toBe('1')
    instances = [await startBoardingPass(env), await startBoardingPass(env)]
    for (const instance of instances) expect(instance.app.services.settings.production).toBe(true)

    const confPath = join(dir, 'nginx.conf')
    writeFileSync(
      confPath,
      renderNginxConf(readFileSync(DEPLOY_FILES.nginxConf, 'utf8'), {
        httpPort,
        tlsPort,
        upstreams: instances.map((instance) => new URL(instance.address).host),
        certDir: join(dir, 'certs'),
        dir,
      }),
    )
    nginx = await startNginx(dir, confPath, () =>
      fetch(`${proxyUrl}/readyz`).then(
        (response) => response.status === 200,
        () => false,
      ),
    )
  }, 60_000)

  afterAll(async () => {
    await nginx?.stop()
    await Promise.all((instances ?? []).map((instance) => instance.close()))
    await idp?.close()
    await redis?.stop()
    if (previousDispatcher) setGlobalDispatcher(previousDispatcher)
    await Promise.all(agents.map((agent) => agent.close()))
    rmSync(dir, { recursive: true, force: true })
  })

  /** Each instance's port, as nginx's access log shows it in `upstream=`. */
  const upstreamsUsed = () =>
    new Set([...nginx.accessLog().matchAll(/upstream=127\.0\.0\.1:(\d+)/g)].map((match) => `http://127.0.0.1:${match[1]}`))

  it('terminates TLS with the certificate, sends plain http to https, and balances both instances', async () => {
    const health = await fetch(`${proxyUrl}/healthz`)
    expect(await health.json()).toEqual({ status: 'ok' })
    expect(health.headers.get('server')).toBe('nginx')
    // A client that does not trust the certificate is refused by TLS itself.
    const untrusted = new Agent()
    agents.push(untrusted)
    await expect(fetch(`${proxyUrl}/healthz`, { dispatcher: untrusted } as RequestInit)).rejects.toThrow()
    const plain = await fetch(`http://localhost:${httpPort}/link?code=ABCD`, { redirect: 'manual' })
    expect(plain.status).toBe(301)
    expect(plain.headers.get('location')).toBe('https://localhost/link?code=ABCD')
    for (let i = 0; i < 4; i++) expect((await fetch(`${proxyUrl}/readyz`)).status).toBe(200)
    expect(upstreamsUsed()).toEqual(new Set(instances.map((instance) => instance.address)))
  })

  it('a sign-in through the proxy: start, provider, callback, complete, me, then a refresh', async () => {
    const tokens = await signIn(proxyUrl, { redirectUri, name: 'Ada Lovelace' })
    expect(tokens.user).toMatchObject({ provider: 'acme', name: 'Ada Lovelace' })
    const me = await callProcedure(proxyUrl, 'auth.me', { bearer: tokens.accessToken })
    expect(userSchema.parse(me.body.result!.data)).toEqual(tokens.user)
    // HTTPS PUBLIC_URL: HSTS on every answer, through the proxy.
    expect(me.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)

    const refreshed = await callProcedure<TokenResponse>(proxyUrl, 'auth.refresh', {
      mutation: { refreshToken: tokens.refreshToken },
    })
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200)
    const next = tokenResponse.parse(refreshed.body.result!.data)
    expect(next.refreshToken).not.toBe(tokens.refreshToken)
    expect((await callProcedure(proxyUrl, 'auth.me', { bearer: next.accessToken })).status).toBe(200)
    // Tokens name the proxy's https URL as their issuer.
    const [, payload] = next.accessToken.split('.')
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString()).iss).toBe(proxyUrl)
  })

  it('cross-device: device A watches over SSE through nginx while device B approves; A learns at once, then completes', async () => {
    const device = await startDevice(proxyUrl, { provider: 'acme', deviceName: 'Kiosk' })
    expect(device.verificationUriComplete.startsWith(`${proxyUrl}/link`)).toBe(true)
    const watcher = await watch(proxyUrl, device.flowId)
    await watcher.waitForStatus('pending')

    const phone = new Phone(proxyUrl)
    const done = await phone.approve(device.userCode, { name: 'Grace Hopper' })
    expect(done.status).toBe(200)
    expect(done.text('link-done')).toBeDefined()
    const approvedAt = performance.now()
    const approved = await watcher.waitForStatus('approved', 5_000)
    // Unbuffered: the event reaches device A as soon as the approval is stored, not when a buffer fills or the stream ends.
    expect(approved.at - approvedAt).toBeLessThan(1_000)
    await watcher.ended
    expect(watcher.statuses().map((status) => status.status)).toEqual(['pending', 'opened', 'approved'])

    const tokens = await complete(proxyUrl, device, approved.value.serverCode!)
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200)
    expect(tokens.body.result!.data.user).toMatchObject({ provider: 'acme', name: 'Grace Hopper' })
  })

  it('a watch that stays silent longer than the proxy’s ordinary read timeout is not cut (its own location, 1 h)', async () => {
    const ordinary = Number(/^ {4}proxy_read_timeout (\d+)s;$/m.exec(readFileSync(DEPLOY_FILES.nginxConf, 'utf8'))?.[1])
    expect(ordinary).toBeGreaterThan(0)
    expect(ordinary).toBeLessThan(50)
    const device = await startDevice(proxyUrl, { provider: 'acme' })
    const watcher = await watch(proxyUrl, device.flowId)
    await watcher.waitForStatus('pending')
    let ended = false
    const end = () => (ended = true)
    void watcher.ended.then(end, end)
    await new Promise((resolve) => setTimeout(resolve, (ordinary + 3) * 1000))
    expect(ended, 'nginx cut the silent stream').toBe(false)
    await new Phone(proxyUrl).approve(device.userCode, { name: 'Alan Turing' })
    const approved = await watcher.waitForStatus('approved', 5_000)
    expect((await complete(proxyUrl, device, approved.value.serverCode!)).status).toBe(200)
  }, 90_000)

  it('rate limits count the real client address from X-Forwarded-For, not nginx’s, and a claimed one buys nothing', async () => {
    const start = (dispatcher: Agent, headers: Record<string, string> = {}) =>
      fetch(`${proxyUrl}/trpc/auth.start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ provider: 'acme', clientCodeHash: 'A'.repeat(43), hashMethod: 'sha256', redirectUri }),
        dispatcher,
      } as RequestInit).then(async (response) => ({
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as never,
      }))
    const first = clientAt('127.0.0.2')
    for (let i = 0; i < START_LIMIT; i++) expect((await start(first)).status).toBe(200)
    const limited = await start(first)
    expectRefusal(limited, 'rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // The same client claiming another address: nginx appends the real one, the instances read that.
    expectRefusal(await start(first, { 'x-forwarded-for': '203.0.113.7' }), 'rate_limited')
    // Another client behind the same nginx (every request reaches the instances from nginx's address) is not limited.
    expect((await start(clientAt('127.0.0.3'))).status).toBe(200)
    // Both instances counted: the limit is shared through Redis, whichever instance nginx picked.
    expect(upstreamsUsed().size).toBe(2)
  })
})

import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSettings } from '@boarding-pass/server'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { complete, startDevice } from '../cross-device/device.js'
import { Phone } from '../cross-device/phone.js'
import { watch } from '../cross-device/watch.js'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { DEPLOY_FILES, REPO_ROOT, SHIPPED_CERT_DIR, SHIPPED_UPSTREAMS, readEnvFile } from '../support/deploy-kit.js'
import { reservablePort } from '../support/ports.js'
import { expectRefusal } from '../support/refusal.js'
import { signIn } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

/**
 * Issue 12 item 4: the Dockerfile and docker-compose.yml are the recipe users
 * expect, but Docker cannot run here (no image can be pulled). This keeps them
 * in step with what the other tests do run: the compose file's instances are
 * the upstreams of deploy/nginx.conf and read deploy/boarding-pass.env (both
 * run by nginx.test.ts), their settings parse with the server's own parser, the
 * Dockerfile builds with the artifact command prod-start.test.ts runs, and the
 * compose file's Redis command is started here for real, with Boarding Pass
 * signing in through its ACL user.
 */
interface ComposeService {
  image?: string
  build?: string
  command?: string[]
  env_file?: string | string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
}

const composeText = readFileSync(DEPLOY_FILES.compose, 'utf8')
const compose = parseYaml(composeText, { merge: true }) as { services: Record<string, ComposeService> }
const services = compose.services
const nginxConf = readFileSync(DEPLOY_FILES.nginxConf, 'utf8')
const dockerfile = readFileSync(DEPLOY_FILES.dockerfile, 'utf8')
const instanceEnv = readEnvFile(DEPLOY_FILES.instanceEnv)
const instanceNames = SHIPPED_UPSTREAMS.map((upstream) => upstream.split(':')[0]!)

/** docker compose's interpolation: `${VAR:?message}` and `${VAR:-default}` from `vars`, `$$` as `$`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value
    .replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_whole, name: string, kind?: string, rest?: string) => {
      const set = vars[name]
      if (set !== undefined && set !== '') return set
      if (kind === '?') throw new Error(`compose would refuse: ${name}: ${rest}`)
      return kind === '-' ? (rest ?? '') : ''
    })
    .replace(/\$\$/g, '$')
}

describe('docker-compose.yml and the Dockerfile stay in step with what the tests run', () => {
  it('has Redis, two instances and nginx; the instances are exactly the upstreams of deploy/nginx.conf', () => {
    expect(Object.keys(services).sort()).toEqual(['bp1', 'bp2', 'nginx', 'redis'])
    const upstreams = [...nginxConf.matchAll(/^\s*server (\S+?):(\d+)\b/gm)].map((match) => `${match[1]}:${match[2]}`)
    expect(upstreams).toEqual(SHIPPED_UPSTREAMS)
    for (const upstream of upstreams) {
      const [name, port] = upstream.split(':')
      expect(services[name!], `compose service ${name}`).toBeDefined()
      expect(port).toBe(instanceEnv.PORT)
    }
  })

  it('the instances read deploy/boarding-pass.env (the file nginx.test.ts starts its instances with), publish no port, and wait for Redis', () => {
    for (const name of instanceNames) {
      const service = services[name]!
      expect(service.env_file).toBe('deploy/boarding-pass.env')
      expect(service.build).toBe('.')
      expect(service.ports).toBeUndefined()
      expect(service.depends_on?.redis?.condition).toBe('service_healthy')
    }
    expect(services.bp1).toEqual(services.bp2)
  })

  it('their whole environment parses with the server’s own settings parser: production, behind one proxy, Redis at the redis service', () => {
    const vars = {
      PUBLIC_URL: 'https://login.example.com',
      REDIS_PASSWORD: 'pw',
      AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      AUTH_PROVIDERS: 'google',
      AUTH_GOOGLE_ID: 'id',
      AUTH_GOOGLE_SECRET: 'secret',
      AUTH_REDIRECT_URIS: 'https://app.example.com/callback',
    }
    const environment = Object.fromEntries(
      Object.entries(services.bp1!.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), vars)]),
    )
    // Set in the Dockerfile's final stage.
    const fromImage = { HOST: '0.0.0.0', NODE_ENV: 'production' }
    const settings = parseSettings({ ...fromImage, ...instanceEnv, ...environment })
    expect(settings.production).toBe(true)
    expect(settings.trustProxyHops).toBe(1)
    expect(settings.port).toBe(3000)
    expect(settings.host).toBe('0.0.0.0')
    expect(settings.publicUrl).toBe('https://login.example.com')
    expect(new URL(settings.redisUrl!).host).toBe('redis:6379')
    expect(settings.rateLimits.enabled).toBe(true)
    // Without the values compose requires, it refuses to start (as `docker compose up` would).
    expect(() => interpolate(String(services.bp1!.environment!.PUBLIC_URL), {})).toThrow(/PUBLIC_URL/)
  })

  it('nginx mounts deploy/nginx.conf and the certificates where the config reads them, and publishes the ports it listens on', () => {
    const nginx = services.nginx!
    expect(nginx.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro')
    const certs = nginx.volumes!.find((volume) => volume.startsWith('./deploy/certs:'))
    expect(certs).toBe(`./deploy/certs:${SHIPPED_CERT_DIR.replace(/\/$/, '')}:ro`)
    for (const file of nginxConf.matchAll(/^\s*ssl_certificate(?:_key)? (\S+);$/gm))
      expect(file[1]!.startsWith(SHIPPED_CERT_DIR)).toBe(true)
    const listens = [...nginxConf.matchAll(/^\s*listen (\d+)\b/gm)].map((match) => match[1]).sort()
    expect(listens).toEqual(['443', '80'])
    expect(nginx.ports!.map((port) => port.split(':')[1]).sort()).toEqual(listens)
    for (const name of instanceNames) expect(nginx.depends_on?.[name]?.condition).toBe('service_healthy')
  })

  it('the Dockerfile: multi-stage, builds with `pnpm artifact`, runs the artifact as a non-root user with HOST=0.0.0.0 and a /readyz health check', () => {
    const stages = dockerfile.split(/^FROM /m).slice(1)
    expect(stages.length).toBeGreaterThanOrEqual(2)
    const [build, final] = [stages[0]!, stages.at(-1)!]
    expect(build).toMatch(/^RUN pnpm install --frozen-lockfile$/m)
    expect(build).toMatch(/^RUN pnpm artifact \/app$/m)
    expect(final).toMatch(/^COPY --from=build \/app \/app$/m)
    const user = /^USER (\S+)$/m.exec(final)?.[1]
    expect(user).toBeDefined()
    expect(['root', '0']).not.toContain(user)
    expect(final).toMatch(/HOST=0\.0\.0\.0/)
    expect(final).toMatch(new RegExp(`PORT=${instanceEnv.PORT}\\b`))
    expect(final).toMatch(new RegExp(`^EXPOSE ${instanceEnv.PORT}$`, 'm'))
    expect(final).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD \[.*\/readyz/m)
    expect(final).toMatch(/^CMD \["node", "start\.mjs"\]$/m)
    // The artifact writes start.mjs; the root package.json has the artifact script the Dockerfile runs.
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
      packageManager: string
      engines: { node: string }
    }
    expect(pkg.scripts.artifact).toBe('node scripts/artifact.mjs')
    expect(build).toContain(`npm install --global ${pkg.packageManager}`)
    // The image's Node is the major the workspace supports.
    for (const from of dockerfile.matchAll(/^FROM node:(\d+)-/gm))
      expect(pkg.engines.node).toMatch(new RegExp(`^>=${from[1]}\\.`))
  })

  it('.dockerignore keeps local builds, node_modules and certificates out of the image context', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n')
    for (const entry of ['**/node_modules', '**/dist', 'out', '.git', 'deploy/certs']) expect(ignored).toContain(entry)
  })
})

describe('the compose file’s Redis command, run for real: ACL user, no default user, noeviction', () => {
  const password = randomBytes(18).toString('base64url')
  let dir: string
  let port: number
  let redis: ChildProcess
  let bp: TestInstance

  beforeAll(async () => {
    const command = services.redis!.command!.map((arg) => interpolate(arg, { REDIS_PASSWORD: password }))
    expect(command[0]).toBe('redis-server')
    port = await reservablePort()
    dir = mkdtempSync(join(tmpdir(), 'bp-redis-acl-'))
    redis = spawn('redis-server', [...command.slice(1), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], {
      stdio: 'ignore',
    })
    await until(async () => (await send(port, ['PING'])).startsWith('-NOAUTH'))
    const url = interpolate(String(services.bp1!.environment!.REDIS_URL), { REDIS_PASSWORD: password }).replace(
      '@redis:6379',
      `@127.0.0.1:${port}`,
    )
    // The development provider (not production) so that a login needs no third party; everything else as deployed.
    bp = await startBoardingPass({ REDIS_URL: url, AUTH_RATE_LIMITS: 'on', AUTH_RATE_LIMIT_COMPLETE: '3/60' })
  }, 60_000)
  afterAll(async () => {
    await bp?.close()
    redis?.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses the default user, and gives the ACL user no admin command', async () => {
    expect(await send(port, ['PING'])).toMatch(/^-NOAUTH/)
    expect(await send(port, ['AUTH', 'default', ''])).toMatch(/^-(WRONGPASS|ERR)/)
    const asUser = (...command: string[]) => send(port, ['AUTH', 'boarding-pass', password], command)
    expect(await asUser('PING')).toBe('+PONG')
    expect(await asUser('CONFIG', 'GET', 'maxmemory-policy')).toMatch(/^-NOPERM/)
    expect(await asUser('FLUSHALL')).toMatch(/^-NOPERM/)
    expect(await asUser('SET', 'not-bp', '1')).toMatch(/^-NOPERM/)
  })

  it('Boarding Pass works through the ACL user: sign-in, refresh, a cross-device watch (pub/sub), a rate limit', async () => {
    const redirectUri = `${bp.url}/callback`
    const tokens = await signIn(bp.url, { provider: 'dev', redirectUri, name: 'Ada Lovelace' })
    const refreshed = await callProcedure(bp.url, 'auth.refresh', { mutation: { refreshToken: tokens.refreshToken } })
    expect(refreshed.status).toBe(200)

    const device = await startDevice(bp.url, { provider: 'dev' })
    const watcher = await watch(bp.url, device.flowId)
    await watcher.waitForStatus('pending')
    await new Phone(bp.url).approve(device.userCode, { name: 'Grace Hopper' })
    const approved = await watcher.waitForStatus('approved', 5_000)
    expect((await complete(bp.url, device, approved.value.serverCode!)).status).toBe(200)

    expectRefusal(
      await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: 'C'.repeat(43), serverCode: 'S'.repeat(43) } }),
      'invalid_grant',
    )
    expectRefusal(
      await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: 'C'.repeat(43), serverCode: 'S'.repeat(43) } }),
      'rate_limited',
    )
    expect(bp.logs.join('\n')).not.toMatch(/NOPERM|NOAUTH/)
  })
})

/** Sends `before` then `command` (RESP) on one connection to 127.0.0.1:`port`; the reply to `command` (or to `before` alone), first line. */
function send(port: number, before: string[], command?: string[]): Promise<string> {
  const encode = (parts: string[]) =>
    `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`
  const wanted = command ? 2 : 1
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () =>
      socket.write(encode(before) + (command ? encode(command) : '')),
    )
    let text = ''
    socket.on('data', (data) => {
      text += data.toString()
      const lines = text.split('\r\n').filter((line) => /^[+\-:$*]/.test(line))
      if (lines.length >= wanted) {
        socket.destroy()
        resolve(lines[wanted - 1]!)
      }
    })
    socket.once('error', (error) => resolve(`-socket ${error.message}`))
  })
}

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('redis-server did not start with the compose command')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/ports.js'
import { callProcedure } from '../support/trpc-http.js'
import { signIn, type Broker } from '../services/support/broker.js'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../../..')
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']

/** An empty npm project in the system's temp folder, far from the workspace's node_modules. */
function emptyProject(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bp-${name}-`))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `bp-${name}`, private: true, type: 'module' }))
  return dir
}

async function npmInstall(dir: string, specs: string[]): Promise<void> {
  await run('npm', ['install', ...NPM_FLAGS, ...specs], { cwd: dir, timeout: 240_000 })
}

/** Resolves once `url` answers 200, or rejects with the process's output. */
async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output()}`)
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    )
    if (ok) return
    await new Promise((done) => setTimeout(done, 100))
  }
  throw new Error(`${url} did not answer: ${output()}`)
}

function start(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return { child, output: () => output }
}

/** A tiny tRPC service (examples/orders-service's sources) that typechecks against the given @trpc/server. */
async function typecheckAgainst(trpcSpec: string, verifyTarball: string): Promise<string> {
  const dir = emptyProject('trpc')
  try {
    await npmInstall(dir, [verifyTarball, trpcSpec, '@types/node@^20.19.0'])
    cpSync(join(root, 'examples/orders-service/src'), join(dir, 'src'), { recursive: true })
    const compilerOptions = {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }))
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    await run(process.execPath, [tsc, '-p', dir], { cwd: dir, timeout: 120_000 }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc against ${trpcSpec}:\n${error.stdout ?? String(error)}`)
    })
    return (JSON.parse(readFileSync(join(dir, 'node_modules/@trpc/server/package.json'), 'utf8')) as { version: string }).version
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('the packages as a team installs them: pnpm pack tarballs, npm install, outside the workspace', () => {
  const packDir = mkdtempSync(join(tmpdir(), 'bp-tarballs-'))
  const app = emptyProject('app')
  const tarballs = new Map<string, string>()
  const children: ChildProcess[] = []

  beforeAll(async () => {
    const { stdout } = await run(process.execPath, [join(root, 'scripts/pack.mjs'), packDir], { cwd: root, timeout: 240_000 })
    for (const line of stdout.trim().split('\n')) {
      const [nameAtVersion, tarball] = line.split(/\s+/) as [string, string]
      tarballs.set(nameAtVersion.replace(/@[^@]+$/, ''), tarball)
    }
    // The example service is not published: its build and its package.json go beside the installed packages.
    await run(join(root, 'node_modules/.bin/tsc'), ['-b', 'examples/orders-service'], { cwd: root })
    cpSync(join(root, 'examples/orders-service/dist'), join(app, 'orders/dist'), { recursive: true })
    writeFileSync(join(app, 'orders/package.json'), JSON.stringify({ type: 'module' }))
    await npmInstall(app, [...tarballs.values(), '@trpc/server@^11'])
  })
  afterAll(() => {
    for (const child of children) child.kill('SIGTERM')
    rmSync(packDir, { recursive: true, force: true })
    rmSync(app, { recursive: true, force: true })
  })

  it('packs every publishable package with no workspace: range left', () => {
    expect([...tarballs.keys()]).toEqual(
      expect.arrayContaining(['@boarding-pass/shared', '@boarding-pass/server', '@boarding-pass/cli', '@boarding-pass/verify']),
    )
    for (const [name] of tarballs) {
      const manifest = readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')
      expect(manifest, name).not.toContain('workspace:')
      expect(JSON.parse(manifest), name).toMatchObject({ version: '0.2.0', license: 'MIT' })
    }
  })

  it('@boarding-pass/verify installs at most 5 packages in a fresh project (itself and jose)', async () => {
    const dir = emptyProject('verify')
    try {
      await npmInstall(dir, [tarballs.get('@boarding-pass/verify')!])
      const { stdout } = await run('npm', ['ls', '--all', '--parseable', '--omit=dev'], { cwd: dir })
      const installed = stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((path) => path.slice(join(dir, 'node_modules').length + 1))
      console.warn(`@boarding-pass/verify installs ${installed.length} packages: ${installed.join(', ')}`)
      expect(installed.length).toBeLessThanOrEqual(5)
      expect(installed).toEqual(['@boarding-pass/verify', 'jose'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a tRPC service using @boarding-pass/verify/trpc typechecks against @trpc/server 11.0.0 and the newest 11', async () => {
    const verify = tarballs.get('@boarding-pass/verify')!
    const [oldest, newest] = await Promise.all([
      typecheckAgainst('@trpc/server@11.0.0', verify),
      typecheckAgainst('@trpc/server@^11', verify),
    ])
    console.warn(`typechecked against @trpc/server ${oldest} and ${newest}`)
    expect(oldest).toBe('11.0.0')
    expect(newest).toMatch(/^11\./)
  })

  it('the installed boarding-pass bin serves its demo app; the installed orders service accepts its tokens', async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const bp = start(join(app, 'node_modules/.bin/boarding-pass'), [], {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      AUTH_RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
    })
    children.push(bp.child)
    await waitFor(`${url}/readyz`, bp.child, bp.output)

    const page = await fetch(`${url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('<div id="app"')

    const ordersPort = await freePort()
    const orders = start(process.execPath, [join(app, 'orders/dist/main.js')], {
      BOARDING_PASS_URL: url,
      PORT: String(ordersPort),
    })
    children.push(orders.child)
    const ordersUrl = `http://127.0.0.1:${ordersPort}`
    await waitFor(`${ordersUrl}/trpc/health`, orders.child, orders.output)

    const ada = await signIn({ url } as Broker, 'Ada Lovelace')
    const placed = await callProcedure(ordersUrl, 'orders.place', {
      bearer: ada.accessToken,
      mutation: { item: 'tea', quantity: 2 },
    })
    expect(placed.status).toBe(200)
    const mine = await callProcedure<{ owner: string; orders: { item: string }[] }>(ordersUrl, 'orders.mine', {
      bearer: ada.accessToken,
    })
    expect(mine.status).toBe(200)
    expect(mine.body.result?.data).toMatchObject({ owner: ada.user.id, orders: [{ item: 'tea' }] })
    const refused = await callProcedure(ordersUrl, 'orders.mine')
    expect(refused.status).toBe(401)
    expect(refused.body.error?.data).toMatchObject({ reason: 'invalid_token' })
  })
})

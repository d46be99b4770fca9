import { type ChildProcess } from 'node:child_process'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { freePort } from '../support/ports.js'
import { callProcedure } from '../support/trpc-http.js'
import { signIn, type Broker } from '../services/support/broker.js'
import { emptyProject, npmInstall, root, run, start, waitFor } from './support/installed.js'

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
  // Packed and installed once for the project, by global-setup.ts.
  const { dir: app, tarballs: packed } = inject('installed')
  const tarballs = new Map(Object.entries(packed))
  const children: ChildProcess[] = []

  afterAll(() => {
    for (const child of children) child.kill('SIGTERM')
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

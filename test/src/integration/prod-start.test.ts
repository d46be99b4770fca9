import { execFile, spawn, type ChildProcess } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/ports.js'
import { signIn } from '../support/sign-in.js'

/**
 * Issue 12 item 4: `pnpm start:prod` runs what is built without building, and
 * `pnpm artifact <dir>` makes a folder that starts with `node start.mjs` on a
 * machine with no pnpm and no build step. The artifact is built with
 * `--no-build` here: the suite builds first (scripts/test.sh), and rebuilding
 * web/dist while other test files serve it would pull it from under them.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const run = promisify(execFile)

/** A Boarding Pass started as its own process; resolves once `/healthz` answers. */
interface Running {
  url: string
  output: () => string
  stop(): Promise<void>
}

async function startProcess(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<Running> {
  const port = await freePort()
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://localhost:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.status === 200,
      () => false,
    )
    if (ok) break
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${command} ${args.join(' ')} did not answer /healthz:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    output: () => output,
    async stop() {
      // The whole group: `pnpm start:prod` runs node under a shell.
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM')
      await exited
    },
  }
}

describe('start:prod runs what is built, without building', () => {
  it('answers /healthz and serves the app, and leaves server/dist untouched', async () => {
    const main = join(ROOT, 'server/dist/main.js')
    expect(existsSync(main), 'build first (pnpm build)').toBe(true)
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
      'start:prod'
    ]
    expect(script).toBeDefined()
    expect(script).not.toMatch(/build|tsc|vite/)
    const builtAt = statSync(main).mtimeMs
    const bp = await startProcess('sh', ['-c', script!], ROOT, {})
    try {
      const page = await fetch(`${bp.url}/`)
      expect(page.status).toBe(200)
      expect(await page.text()).toMatch(/<div id="app"/)
    } finally {
      await bp.stop()
    }
    expect(statSync(main).mtimeMs).toBe(builtAt)
  })
})

describe('the deploy artifact (pnpm artifact <dir>) starts from its folder with node', () => {
  let dir: string
  let out: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bp-artifact-'))
    const built = join(dir, 'built')
    await run(process.execPath, [join(ROOT, 'scripts/artifact.mjs'), '--no-build', built], { cwd: ROOT, timeout: 120_000 })
    // Moved elsewhere, as a copy to another machine would: nothing in it points back at the workspace.
    out = join(dir, 'moved')
    renameSync(built, out)
  }, 180_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('holds the built server, production dependencies only, the web app and start.mjs; no sources, no workspace links', () => {
    // README.md and LICENSE come with the package's `files` (published under MIT: the licence travels with every copy),
    // and bin/ holds the `boarding-pass` command's shim.
    expect(readdirSync(out).sort()).toEqual([
      'LICENSE',
      'README.md',
      'bin',
      'dist',
      'node_modules',
      'package.json',
      'start.mjs',
      'web',
    ])
    expect(readFileSync(join(out, 'LICENSE'), 'utf8')).toMatch(/MIT License/)
    const modules = readdirSync(join(out, 'node_modules'))
    for (const dev of ['tsx', 'typescript', 'vitest', '@types']) expect(modules).not.toContain(dev)
    expect(existsSync(join(out, 'node_modules/@boarding-pass/shared/dist/index.js'))).toBe(true)
    expect(existsSync(join(out, 'web/index.html'))).toBe(true)
  })

  it('answers /healthz, serves the app and signs in through the development provider', async () => {
    const bp = await startProcess(process.execPath, ['start.mjs'], out, {})
    try {
      expect(await (await fetch(`${bp.url}/healthz`)).json()).toEqual({ status: 'ok' })
      const page = await fetch(`${bp.url}/`)
      expect(page.status).toBe(200)
      expect(await page.text()).toMatch(/<div id="app"/)
      const tokens = await signIn(bp.url, { provider: 'dev', redirectUri: `${bp.url}/callback`, name: 'Artifact User' })
      expect(tokens.user.name).toBe('Artifact User')
    } finally {
      await bp.stop()
    }
  })

  it('serves WEB_ROOT when it is set explicitly, instead of the bundled app', async () => {
    const custom = join(dir, 'custom-web')
    mkdirSync(custom)
    writeFileSync(join(custom, 'index.html'), '<!doctype html><title>custom</title><p>custom web root</p>')
    const bp = await startProcess(process.execPath, [join(out, 'start.mjs')], dir, { WEB_ROOT: custom })
    try {
      expect(await (await fetch(`${bp.url}/`)).text()).toContain('custom web root')
    } finally {
      await bp.stop()
    }
  })
})

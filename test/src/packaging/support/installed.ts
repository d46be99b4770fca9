import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

export const run = promisify(execFile)
export const root = resolve(import.meta.dirname, '../../../..')
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']

/** An empty npm project in the system's temp folder, far from the workspace's node_modules. */
export function emptyProject(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bp-${name}-`))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `bp-${name}`, private: true, type: 'module' }))
  return dir
}

export async function npmInstall(dir: string, specs: string[]): Promise<void> {
  await run('npm', ['install', ...NPM_FLAGS, ...specs], { cwd: dir, timeout: 300_000 })
}

/** Resolves once `url` answers 200, or rejects with the process's output. */
export async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
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

/** Starts a program with only PATH and `env` in its environment, collecting its output. */
export function start(command: string, args: string[], env: Record<string, string>, cwd?: string) {
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return { child, output: () => output }
}

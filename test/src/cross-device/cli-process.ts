import { execFile, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The CLI keeps its DPoP key in the per-user config directory: in tests, a fresh one, never the real user's. */
const CONFIG_HOME = mkdtempSync(join(tmpdir(), 'bp-cli-config-'))

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Builds the CLI (and what it references) with `tsc -b`, as `pnpm build` does; quick when nothing changed. */
export function buildCli(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [`${ROOT}node_modules/typescript/bin/tsc`, '-b', 'cli'],
      { cwd: ROOT, timeout: 170_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`tsc -b cli failed:\n${stdout}${stderr}`)) : resolve()),
    )
  })
}

/** A running `boarding-pass` CLI (the built `cli/dist/main.js`) with its output so far. */
export interface CliProcess {
  stdout(): string
  stderr(): string
  /** Resolves with the first match of `pattern` in stdout, waiting for more output as needed. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Resolves when it exits, with its exit code. */
  exited: Promise<number | null>
  /** Types `text` at it (with `tty`: into its terminal). */
  write(text: string): void
  kill(): void
}

/**
 * Runs the built CLI. With `tty`, it runs inside a pseudo-terminal (util-linux
 * `script`), so its stdin is a TTY, as when a person runs it; its stderr then
 * arrives in stdout, as on a terminal.
 */
export function runCli(args: string[], env: Record<string, string> = {}, options: { tty?: boolean } = {}): CliProcess {
  const cleanEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BOARDING_PASS_'))),
    XDG_CONFIG_HOME: CONFIG_HOME,
  }
  const command = [process.execPath, `${ROOT}cli/dist/main.js`, ...args]
  const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ')
  const child = options.tty
    ? spawn('script', ['-qfec', quoted, '/dev/null'], {
        cwd: ROOT,
        env: { ...cleanEnv, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(command[0]!, command.slice(1), { cwd: ROOT, env: { ...cleanEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const listeners = new Set<() => void>()
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
    for (const listener of listeners) listener()
  })
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
  let done = false
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      done = true
      for (const listener of listeners) listener()
      resolve(code)
    }),
  )

  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    write: (text) => {
      child.stdin.write(text)
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGTERM')
    },
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out)
          if (match) return settle(() => resolve(match))
          if (done) settle(() => reject(new Error(`the CLI exited without printing ${pattern}:\n${out}\n${err}`)))
        }
        const timer = setTimeout(() => settle(() => reject(new Error(`no ${pattern} in:\n${out}\n${err}`))), timeoutMs)
        const settle = (how: () => void) => {
          clearTimeout(timer)
          listeners.delete(check)
          how()
        }
        listeners.add(check)
        check()
      })
    },
  }
}

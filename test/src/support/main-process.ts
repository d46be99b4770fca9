import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built server (`pnpm build`, or `pnpm exec tsc -b server`): tests that use this run the real program. */
export const MAIN = fileURLToPath(new URL('../../../server/dist/main.js', import.meta.url))

/**
 * Runs `node server/dist/main.js` with only `env` (and PATH) until it exits, or
 * rejects after `ms` (it should have refused to start).
 */
export function runMain(
  env: Record<string, string>,
  ms = 10_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`still running after ${ms / 1000} s (it should have refused to start)\n${stdout}\n${stderr}`))
    }, ms)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/ports.js'

/** The built server (`pnpm build`, or `pnpm exec tsc -b server`): this test runs the real program. */
const MAIN = fileURLToPath(new URL('../../../server/dist/main.js', import.meta.url))
const SECRET = 'sup3r-s3cret-value-5e7a9c'

/** Runs `node server/dist/main.js` with only `env` (and PATH), until it exits or 10 s pass. */
function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`still running after 10 s (it should have refused to start)\n${stdout}\n${stderr}`))
    }, 10_000)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe.concurrent('a bad or missing setting stops `node server/dist/main.js` at start, naming the variable', () => {
  let port: string

  beforeAll(async () => {
    expect(existsSync(MAIN), `${MAIN} is missing: build first (pnpm build)`).toBe(true)
    port = String(await freePort())
  })

  it.each<{ name: string; env: Record<string, string>; variable: string }>([
    { name: 'PORT=abc', env: { PORT: 'abc' }, variable: 'PORT' },
    {
      name: 'REDIS_URL with a password but the wrong scheme',
      env: { REDIS_URL: `http://user:${SECRET}@redis.example:6379` },
      variable: 'REDIS_URL',
    },
    {
      name: 'AUTH_PROVIDERS=acme without AUTH_ACME_ISSUER',
      env: { AUTH_PROVIDERS: 'acme', AUTH_ACME_ID: 'id', AUTH_ACME_SECRET: SECRET },
      variable: 'AUTH_ACME_ISSUER',
    },
    {
      name: 'NODE_ENV=production without AUTH_PROVIDERS',
      env: { NODE_ENV: 'production', PUBLIC_URL: 'https://pass.example' },
      variable: 'AUTH_PROVIDERS',
    },
    {
      name: 'AUTH_SERVER_CODE_TTL above the contract’s 120 s',
      env: { AUTH_SERVER_CODE_TTL: '600' },
      variable: 'AUTH_SERVER_CODE_TTL',
    },
    { name: 'PUBLIC_URL that is not a URL', env: { PUBLIC_URL: 'not a url' }, variable: 'PUBLIC_URL' },
    {
      name: 'AUTH_ACME_ISSUER that is not a URL',
      env: { AUTH_PROVIDERS: 'acme', AUTH_ACME_ID: 'id', AUTH_ACME_SECRET: SECRET, AUTH_ACME_ISSUER: 'not a url' },
      variable: 'AUTH_ACME_ISSUER',
    },
  ])('$name → exit ≠ 0, stderr names $variable, no stack, no secret', async ({ env, variable }) => {
    const { code, stdout, stderr } = await run({ HOST: '127.0.0.1', PORT: port, ...env })
    expect(code, stderr).not.toBe(0)
    expect(code).not.toBeNull()
    expect(stderr).toMatch(new RegExp(`\\b${variable}\\b`))
    expect(stderr, 'a stack trace on stderr').not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
    expect(stdout + stderr).not.toContain(SECRET)
    expect(stdout).not.toMatch(/is running/)
  })
})

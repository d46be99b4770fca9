import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAIN } from '../support/main-process.js'
import { freePort } from '../support/ports.js'

describe('a first run with no settings prints only true lines', () => {
  beforeAll(() => {
    expect(existsSync(MAIN), `${MAIN} is missing: build first (pnpm build)`).toBe(true)
  })

  it('no oidc-provider warnings, nothing on stderr; the URL it prints answers; Ctrl-C ends it with exit 0', async () => {
    const port = String(await freePort())
    // Only PORT (a free one, so parallel runs do not collide): otherwise the environment of a newcomer's first run.
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', PORT: port }, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const deadline = Date.now() + 20_000
      while (!stdout.includes('is running') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(stdout, stderr).toContain('is running')
      const url = /open (\S+)/.exec(stdout)?.[1]
      expect(url).toBe(`http://localhost:${port}`)
      // The development provider it names is there.
      const providers = await fetch(`${url}/trpc/auth.providers`)
      expect(await providers.json()).toMatchObject({ result: { data: [{ id: 'dev' }] } })
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)

    expect(stderr).toBe('')
    expect(stdout).not.toMatch(/oidc-provider|WARNING|Unsupported runtime|in-memory adapter|quick start/i)
    const lines = stdout.split('\n').filter((line) => line.trim())
    const logged = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string })
    expect(logged.map((entry) => entry.msg)).toEqual(['boarding pass listening', 'shutting down'])
    expect(logged.every((entry) => entry.level === 30)).toBe(true)
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([
      `  Boarding Pass is running: open http://localhost:${port}`,
      '  Sign in with the built-in development provider (any name works).',
    ])
  })
})

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {} from 'vitest'
import type { TestProject } from 'vitest/node'
import { freePort } from './ports.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A real Redis for the suite: REDIS_URL if set, otherwise a redis-server started here. */
    redisUrl: string
  }
}

let redis: ChildProcess | undefined
let dir: string | undefined

/** Starts a throw-away redis-server on a free port unless REDIS_URL names one. */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL)
    return
  }
  const port = await freePort()
  dir = mkdtempSync(join(tmpdir(), 'bp-redis-'))
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  )
  await waitForRedis(port)
  project.provide('redisUrl', `redis://127.0.0.1:${port}`)
}

export async function teardown(): Promise<void> {
  redis?.kill('SIGTERM')
  if (dir) rmSync(dir, { recursive: true, force: true })
}

async function waitForRedis(port: number): Promise<void> {
  const { createConnection } = await import('node:net')
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.write('PING\r\n')
      })
      socket.once('data', (data) => {
        socket.destroy()
        resolve(data.toString().startsWith('+PONG'))
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server did not start on port ${port}`)
}

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {} from 'vitest'
import type { TestProject } from 'vitest/node'
import { freePort } from './ports.js'
import { waitForPong } from './redis-server.js'

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
  await waitForPong(port)
  project.provide('redisUrl', `redis://127.0.0.1:${port}`)
}

export async function teardown(): Promise<void> {
  redis?.kill('SIGTERM')
  if (dir) rmSync(dir, { recursive: true, force: true })
}

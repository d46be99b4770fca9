import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../support/ports.js'

/**
 * The suite's Redis, database `db`: each file of this project takes its own
 * database, so key sets rotated under a fast-forwarded clock never meet
 * another file's instances (Redis has 16 databases; integration uses 0).
 */
export function redisDatabase(redisUrl: string, db: number): string {
  const url = new URL(redisUrl)
  url.pathname = `/${db}`
  return url.href
}

/** Empties one database (FLUSHDB), speaking RESP directly: the test package has no Redis client. */
export async function flushRedisDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl)
  const db = Number(url.pathname.slice(1) || '0')
  const commands: string[][] = []
  if (url.password) commands.push(url.username ? ['AUTH', url.username, url.password] : ['AUTH', url.password])
  commands.push(['SELECT', String(db)], ['FLUSHDB'])
  const payload = commands.map((args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) }, () => socket.write(payload.join('')))
    let replies = ''
    socket.on('data', (chunk) => {
      replies += chunk.toString()
      if (replies.startsWith('-') || replies.includes('\r\n-')) {
        socket.destroy()
        reject(new Error(`redis refused: ${replies.trim()}`))
      } else if (replies.split('\r\n').filter(Boolean).length >= commands.length) {
        socket.end()
        resolve()
      }
    })
    socket.once('error', reject)
  })
}

/** A redis-server of this test's own, to stop while Boarding Pass runs (the suite's must stay up). */
export interface OwnRedis {
  url: string
  stop(): Promise<void>
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bp-redis-services-'))
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await flushRedisDatabase(`${url}/0`)
      break
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    url,
    async stop() {
      child.kill('SIGKILL')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

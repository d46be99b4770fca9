import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { reservablePort } from './ports.js'

/** A private redis-server for a test that needs to stop it (the suite's shared Redis must stay up). */
export interface PrivateRedis {
  url: string
  port: number
  /** Kills it at once (SIGKILL), as a crash or a network partition would; resolves once it is gone. */
  kill(): Promise<void>
  /** Starts it again on the same port (empty: nothing was persisted). */
  restart(): Promise<void>
  /** Kills it for good and removes its directory. */
  stop(): Promise<void>
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await reservablePort()
  const dir = mkdtempSync(join(tmpdir(), 'bp-redis-private-'))
  let child: ChildProcess
  let exited: Promise<void>

  async function launch(): Promise<void> {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    )
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    await waitForPong(port)
  }

  async function kill(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }

  await launch()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    async restart() {
      await kill()
      await launch()
    },
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Resolves once a redis-server on `port` answers PING (10 s at most). */
export async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'))
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

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { reservablePort } from '../../support/ports.js'
import { waitForPong } from '../../support/redis-server.js'

/**
 * A redis-server of the test's own, on a fixed port, that the test starts,
 * crashes, pauses and brings back. Its data survives a restart (append-only
 * file, fsync on every write), as a production Redis with persistence would.
 */
export interface ControlledRedis {
  url: string
  port: number
  /** Starts it (again) on the same port and data directory; resolves once it answers PING. */
  start(): Promise<void>
  /** Kills it at once (SIGKILL), as a crash would; resolves once it is gone. */
  crash(): Promise<void>
  /** Freezes it (SIGSTOP): connections stay open, nothing answers, as a hung host. */
  pause(): void
  /** Lets a paused server run again (SIGCONT). */
  resume(): void
  /** Stops it for good and removes its data. */
  dispose(): Promise<void>
}

/** A controlled Redis on a free port, not started yet. */
export async function controlledRedis(): Promise<ControlledRedis> {
  const port = await reservablePort()
  const dir = mkdtempSync(join(tmpdir(), 'bp-redis-faults-'))
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  const crash = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
    }
    await exited
    child = undefined
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      if (child) throw new Error('this redis-server is running already')
      const started = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      )
      child = started
      exited = new Promise<void>((resolve) => started.once('exit', () => resolve()))
      await waitForPong(port)
    },
    crash,
    pause() {
      child?.kill('SIGSTOP')
    },
    resume() {
      child?.kill('SIGCONT')
    },
    async dispose() {
      await crash()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

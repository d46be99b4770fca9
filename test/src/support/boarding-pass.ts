import { Writable } from 'node:stream'
import { parseSettings, startApp, type App } from '@boarding-pass/server'
import { freePort } from './ports.js'

/** A Boarding Pass instance started in this process, over real HTTP on loopback. */
export interface TestInstance {
  /** Its PUBLIC_URL, e.g. `http://localhost:41234`. */
  url: string
  app: App
  /** Every log line it wrote, as raw JSON text. */
  logs: string[]
  close(): Promise<void>
}

/**
 * Starts Boarding Pass with `env` on a free port (or `port`). PUBLIC_URL
 * defaults to `http://localhost:<port>` and the redirect allow-list to that
 * origin's `/callback`, as on a newcomer's machine.
 */
export async function startBoardingPass(env: Record<string, string | undefined> = {}, port?: number): Promise<TestInstance> {
  const listenPort = port ?? (await freePort())
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  const settings = parseSettings({ LOG_LEVEL: 'info', ...env, PORT: String(listenPort), HOST: '127.0.0.1' })
  const app = await startApp(settings, { logDestination: sink })
  return { url: settings.publicUrl, app, logs, close: () => app.close() }
}

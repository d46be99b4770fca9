import { Writable } from 'node:stream'
import { parseSettings, startApp, type App, type AppOptions } from '@boarding-pass/server'
import { freePort } from './ports.js'

/** A Boarding Pass instance started in this process, over real HTTP on loopback. */
export interface TestInstance {
  /** Its PUBLIC_URL, e.g. `http://localhost:41234`. */
  url: string
  /**
   * Where this instance itself listens, e.g. `http://127.0.0.1:41234`. Differs
   * from `url` when several instances share one PUBLIC_URL (one service).
   */
  address: string
  app: App
  /** Every log line it wrote, as raw JSON text. */
  logs: string[]
  close(): Promise<void>
}

/** What {@link startBoardingPass} passes on to `startApp` (an injected clock, say), and whether to wait for readiness. */
export interface StartOptions extends Pick<AppOptions, 'now'> {
  /**
   * Wait (up to 5 s, then return anyway) until the instance is ready to serve
   * a login: `/readyz` answers 200 and the JWKS lists a key. Default true; a
   * test of start-up itself, or of a store that is down, passes false.
   */
  waitUntilReady?: boolean
}

/**
 * Starts Boarding Pass with `env` on a free port (or `port`). PUBLIC_URL
 * defaults to `http://localhost:<port>` and the redirect allow-list to that
 * origin's `/callback`, as on a newcomer's machine; pass `PUBLIC_URL` in `env`
 * to start a second instance of the same service (then call it at `address`).
 */
export async function startBoardingPass(
  env: Record<string, string | undefined> = {},
  port?: number,
  options: StartOptions = {},
): Promise<TestInstance> {
  const listenPort = port ?? (await freePort())
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  const settings = parseSettings({ LOG_LEVEL: 'info', ...env, PORT: String(listenPort), HOST: '127.0.0.1' })
  const { waitUntilReady = true, ...appOptions } = options
  const app = await startApp(settings, { ...appOptions, logDestination: sink })
  if (waitUntilReady) await untilReady(app.address, 5_000)
  return { url: settings.publicUrl, address: app.address, app, logs, close: () => app.close() }
}

/** Polls `/readyz` and the JWKS until both answer 200 (the store answers and the signing keys are loaded), or `ms` pass. */
async function untilReady(address: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const ok = await Promise.all(
      ['/readyz', '/.well-known/jwks.json'].map((path) =>
        fetch(`${address}${path}`).then(
          async (response) => {
            await response.body?.cancel()
            return response.status === 200
          },
          () => false,
        ),
      ),
    )
    if (ok.every(Boolean)) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

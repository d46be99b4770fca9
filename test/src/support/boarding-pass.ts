import { Writable } from 'node:stream'
import { parseSettings, startApp, type App, type AppOptions } from '@boarding-pass/server'
import { inject } from 'vitest'
import { startBoardingPassProcess } from './boarding-pass-process.js'
import { freePort } from './ports.js'
import { untilReady } from './ready.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * Set by the `web-concurrency` project: every instance the tests start is
     * the built server in a child process with this many workers
     * (WEB_CONCURRENCY). Unset everywhere else: instances run in the test's process.
     */
    webConcurrency?: number
  }
}

/**
 * A Boarding Pass instance over real HTTP on loopback: started in this process,
 * or, in the `web-concurrency` project, a child process of the built server
 * with several workers (see {@link instancesInProcess}).
 */
export interface TestInstance {
  /** Its PUBLIC_URL, e.g. `http://localhost:41234`. */
  url: string
  /**
   * Where this instance itself listens, e.g. `http://127.0.0.1:41234`. Differs
   * from `url` when several instances share one PUBLIC_URL (one service).
   */
  address: string
  /**
   * The running app, for a test that reaches into its services. Only an
   * instance in this process has one: a child process's throws on access,
   * naming the test that needs to run in-process.
   */
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
 * Whether the instances of this project run in this process (every project but
 * `web-concurrency`, whose global setup provides `webConcurrency`). A test that
 * needs an instance's internals (its services, an injected clock) skips itself
 * when this is false.
 */
export function instancesInProcess(): boolean {
  return !processWorkers()
}

/** The `webConcurrency` the project provides, if any. */
function processWorkers(): number | undefined {
  try {
    return inject('webConcurrency')
  } catch {
    // Outside a test worker (the vue project's global setup starts its instance there), inject() throws:
    // nothing is provided there, and the instance runs in that process.
    return undefined
  }
}

/**
 * Starts Boarding Pass with `env` on a free port (or `port`). PUBLIC_URL
 * defaults to `http://localhost:<port>` and the redirect allow-list to that
 * origin's `/callback`, as on a newcomer's machine; pass `PUBLIC_URL` in `env`
 * to start a second instance of the same service (then call it at `address`).
 * In the `web-concurrency` project it is the built server in a child process
 * with that many workers instead ({@link startBoardingPassProcess}).
 */
export async function startBoardingPass(
  env: Record<string, string | undefined> = {},
  port?: number,
  options: StartOptions = {},
): Promise<TestInstance> {
  const workers = processWorkers()
  if (workers) return startBoardingPassProcess(workers, env, port, options)
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

/**
 * Resolves once `instance` has written no new log line for 250 ms (3 s at
 * most): a server in a child process batches its log lines (flushed every
 * 200 ms), so a test that reads the logs right after its calls waits for them.
 */
export async function logsSettled(instance: Pick<TestInstance, 'logs'>): Promise<void> {
  const deadline = Date.now() + 3_000
  let seen = instance.logs.length
  let quietSince = Date.now()
  while (Date.now() < deadline && Date.now() - quietSince < 250) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    if (instance.logs.length !== seen) {
      seen = instance.logs.length
      quietSince = Date.now()
    }
  }
}

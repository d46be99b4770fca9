import {
  createBoardingPassClient,
  memoryStorage,
  type BoardingPassClient,
  type BoardingPassClientOptions,
} from '@boarding-pass/client'
import { startBoardingPass, type TestInstance } from '../../../test/src/support/boarding-pass.js'
import { browserlessLogin } from '../../../test/src/support/browserless-login.js'

/** A real Boarding Pass (development provider, in-process store) on a free port, quiet. */
export function startService(env: Record<string, string> = {}): Promise<TestInstance> {
  return startBoardingPass({ LOG_LEVEL: 'silent', ...env })
}

/** A client as a test drives it: where it tried to send the browser, and every procedure it called (in order). */
export interface Harness {
  client: BoardingPassClient
  departures: string[]
  calls: string[]
  redirectUri: string
}

/**
 * A client for `bp` in Node: memory storage (unless given), the page it would
 * leave for recorded instead of visited, and every request it makes counted
 * (the platform's fetch does the work).
 */
export function harness(bp: TestInstance, options: Partial<BoardingPassClientOptions> = {}): Harness {
  const departures: string[] = []
  const calls: string[] = []
  const redirectUri = options.redirectUri ?? `${bp.url}/callback`
  const client = createBoardingPassClient({
    url: bp.url,
    redirectUri,
    storage: memoryStorage(),
    navigate: (to) => departures.push(to),
    fetch: (input, init) => {
      const request = new Request(input, init)
      calls.push(new URL(request.url).pathname.replace(/^\/trpc\//, ''))
      return fetch(request)
    },
    ...options,
  })
  return { client, departures, calls, redirectUri }
}

/** Steps 0–3 through the development provider, without a browser: signIn, log in at the provider, handleCallback. */
export async function signInThroughProvider(h: Harness, name = 'Ada Lovelace', returnTo?: string) {
  await h.client.signIn('dev', returnTo === undefined ? undefined : { returnTo })
  const back = await browserlessLogin(h.departures.at(-1)!, { name, stopAt: h.redirectUri })
  return h.client.handleCallback(back.href)
}

/** What a test has to wait for a moment: `check` until it passes, or its last failure after `ms`. */
export async function eventually(check: () => void, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
}

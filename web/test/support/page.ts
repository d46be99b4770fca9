import { createPinia } from 'pinia'
import { vi } from 'vitest'
import { createApp } from 'vue'
import type { User } from '@boarding-pass/client'
import { createBoardingPass } from '@boarding-pass/vue'
import { callbackUri } from '../../src/auth/callback-url'
import { leaveFor } from '../../src/auth/navigation'
import { useAuthStore } from '../../src/stores/auth'
import { loginAtProvider } from './http'

type AuthStore = ReturnType<typeof useAuthStore>

interface HappyDomWindow {
  happyDOM: { setURL(url: string): void }
}

/**
 * One page load in this tab, as main.ts makes it: the address is set, then a
 * fresh app with Pinia and the Boarding Pass plugin (which starts the client),
 * and the store, in the same tick. sessionStorage carries over, as in a real
 * tab. Call `close()` to end the page (its client leaves the tab channel).
 */
export function loadPage(url: string): { auth: AuthStore; ready: Promise<void>; close(): void } {
  ;(window as unknown as HappyDomWindow).happyDOM.setURL(url)
  const app = createApp({ render: () => null })
  const pinia = createPinia()
  app.use(pinia)
  app.use(createBoardingPass({ url: '/', redirectUri: callbackUri(), navigate: (to) => leaveFor(to) }))
  const auth = useAuthStore(pinia)
  const ready = auth.init()
  app.mount(document.createElement('div'))
  return { auth, ready, close: () => app.unmount() }
}

/** The URL the store last sent the browser to (`leaveFor` is mocked in store tests). */
export function lastDeparture(): string {
  const call = vi.mocked(leaveFor).mock.calls.at(-1)
  if (!call) throw new Error('the store did not leave for the provider')
  return call[0]
}

/**
 * The full browser round trip: the sign-in page starts a flow with the
 * development provider, the "browser" logs in there, and the page the provider
 * leg returns to is loaded. Returns that page, its init still running.
 */
export async function signInRoundTrip(baseUrl: string, options: { name?: string; deny?: boolean } = {}) {
  const signInPage = loadPage(`${baseUrl}/`)
  await signInPage.ready
  await signInPage.auth.signIn('dev')
  signInPage.close()
  const back = await loginAtProvider(lastDeparture(), { ...options, stopAt: `${baseUrl}/callback` })
  return { back, page: loadPage(back.href) }
}

/** A login's live tokens as the client's tabs hand them to each other (its BroadcastChannel messages). */
export interface SharedTokens {
  sessionKey: string
  generation: number
  accessToken: string
  /** Absent from an older version's tabs, which the client takes as Bearer. */
  tokenType?: string
  refreshToken: string
  expiresAt: number
  user: User
}

type TabMessage =
  { type: 'hello'; sessionKey?: string } | { type: 'tokens'; tokens: SharedTokens } | { type: 'signed-out'; sessionKey: string }

/** Listens on the tabs' channel as another tab would. */
export function listenAsAnotherTab() {
  const messages: TabMessage[] = []
  const channel = new BroadcastChannel('boarding-pass')
  channel.onmessage = (event: MessageEvent<TabMessage>) => messages.push(event.data)
  return {
    messages,
    tokens: () => messages.filter((m): m is Extract<TabMessage, { type: 'tokens' }> => m.type === 'tokens').map((m) => m.tokens),
    post: (message: TabMessage) => channel.postMessage(message),
    close: () => channel.close(),
  }
}

/** The last tokens another tab heard about. */
export function latest(tokens: SharedTokens[]): SharedTokens {
  const last = tokens.at(-1)
  if (!last) throw new Error('no tokens were broadcast')
  return last
}

/** The saved login in this tab's sessionStorage. */
export function savedSession(): { sessionKey: string; refreshToken: string; generation: number } | undefined {
  const text = sessionStorage.getItem('boarding-pass:session')
  return text ? (JSON.parse(text) as { sessionKey: string; refreshToken: string; generation: number }) : undefined
}

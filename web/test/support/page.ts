import { createPinia, setActivePinia } from 'pinia'
import { vi } from 'vitest'
import { leaveFor } from '../../src/auth/navigation'
import type { SharedTokens, TabMessage } from '../../src/auth/tab-sync'
import { useAuthStore } from '../../src/stores/auth'
import { loginAtProvider } from './http'

type AuthStore = ReturnType<typeof useAuthStore>

interface HappyDomWindow {
  happyDOM: { setURL(url: string): void }
}

/**
 * One page load in this tab: the address is set, a fresh Pinia and store are
 * made (as a reload would), and `init` runs. sessionStorage carries over, as it
 * does in a real tab. Call `close()` to end the page (its store leaves the tab channel).
 */
export function loadPage(url: string): { auth: AuthStore; ready: Promise<void>; close(): void } {
  ;(window as unknown as HappyDomWindow).happyDOM.setURL(url)
  setActivePinia(createPinia())
  const auth = useAuthStore()
  const ready = auth.init()
  return { auth, ready, close: () => auth.$dispose() }
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

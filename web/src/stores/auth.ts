import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import { createClientCodePair, type ProvidersOutput, type TokenResponse, type User } from '@boarding-pass/shared'
import { createApiClient } from '../api/client'
import { CALLBACK_PATH, callbackUri, takeCallbackParams, type CallbackParams } from '../auth/callback-url'
import { failureForCallbackValue, failureForProblem, reasonOf, toFailure, type AuthFailure } from '../auth/failures'
import { forgetExpiredFlows, rememberFlow, takeFlow } from '../auth/flow-storage'
import { clientCodeStep, createStepLog, type FlowStep } from '../auth/inspector'
import { mask } from '../auth/mask'
import { leaveFor } from '../auth/navigation'
import { clearSession, loadSession, saveSession, type SavedSession } from '../auth/saved-session'
import { joinTabs, withTabLock, type SharedTokens, type TabMessage } from '../auth/tab-sync'

/** Where the two-code flow stands in this tab. */
export type AuthStatus = 'idle' | 'starting' | 'redirecting' | 'completing' | 'signed-in' | 'error'

/** Why a refresh ran, as the flow inspector shows it. */
export type RefreshCause = 'timer' | 'invalid_token' | 'expired' | 'restore' | 'manual'

/** A provider a user can sign in with. */
export type Provider = ProvidersOutput[number]

/** Set (to the provider's id) while `auth.complete` is in flight, so a reload can tell "interrupted" from a stray visit. */
const COMPLETING_KEY = 'boarding-pass:completing'
/** How long a tab that opens with a saved login waits for a tab holding newer tokens to answer. */
const HELLO_WAIT_MS = 150
/** How long after a failed background refresh to try again. */
const RETRY_REFRESH_MS = 5_000

/**
 * The two-code flow and the session it opens, for this tab. Views read its
 * state and call its actions; they hold no flow logic.
 *
 * Secrets: the Client Code waits in sessionStorage under its flowId between
 * steps 1 and 3; the access token lives only in this closure; the refresh token
 * in sessionStorage. Nothing goes to localStorage.
 */
export const useAuthStore = defineStore('auth', () => {
  const status = ref<AuthStatus>('idle')
  const failure = shallowRef<AuthFailure>()
  /** A short, non-error message for the sign-in page (e.g. signed out in another tab). */
  const notice = ref<string>()
  const user = shallowRef<User>()
  const providers = shallowRef<readonly Provider[]>([])
  const providersLoaded = ref(false)
  /** Why the provider list could not be loaded, if it could not. */
  const providersFailure = shallowRef<AuthFailure>()
  /** Epoch ms when the access token expires. */
  const expiresAt = ref<number>()
  /** The access token's lifetime in ms, for the countdown's scale. */
  const lifetime = ref<number>()
  const refreshCount = ref(0)
  const verifiedAt = ref<number>()
  const log = createStepLog()

  let accessToken: string | undefined
  let session: SavedSession | undefined
  let refreshing: Promise<void> | undefined
  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  let lastProvider: string | undefined
  let started: Promise<void> | undefined
  let answeredByTab: (() => void) | undefined
  /** The page is being left (reload, navigation): requests it aborts are not failures to show or record. */
  let unloading = false
  const api = createApiClient(() => accessToken)
  const tabs = joinTabs(onTabMessage)
  onScopeDispose(() => {
    clearTimeout(refreshTimer)
    tabs.close()
    window.removeEventListener('pageshow', onPageShow)
    window.removeEventListener('pagehide', onPageHide)
    document.removeEventListener('visibilitychange', onVisible)
  })

  const isSignedIn = computed(() => status.value === 'signed-in')
  const providerName = computed(() => {
    const id = user.value?.provider
    return providers.value.find((p) => p.id === id)?.name ?? id
  })

  /**
   * Runs once, before the router reads the address: takes the callback's codes
   * off the URL (synchronously), then finishes that flow, or restores this tab's
   * login, or asks other tabs for theirs.
   */
  function init(): Promise<void> {
    if (started) return started
    const callback = takeCallbackParams()
    forgetExpiredFlows()
    session = loadSession()
    window.addEventListener('pageshow', onPageShow)
    window.addEventListener('pagehide', onPageHide)
    document.addEventListener('visibilitychange', onVisible)
    void loadProviders()
    if (callback) {
      started = finishCallback(callback)
    } else {
      log.settleAll('location.assign', { status: 'failed', note: 'Came back without finishing at the provider.' })
      started = session ? restore(session) : askTabs()
    }
    return started
  }

  async function loadProviders(): Promise<void> {
    providersFailure.value = undefined
    try {
      providers.value = await api.auth.providers.query()
      providersLoaded.value = true
    } catch (error) {
      providersFailure.value = { ...toFailure(error), retry: 'reload-providers' }
    }
  }

  /** Steps 0–2: make the Client Code, start the flow, go to the provider. */
  async function signIn(providerId: string): Promise<void> {
    if (status.value === 'starting' || status.value === 'redirecting' || status.value === 'completing') return
    lastProvider = providerId
    status.value = 'starting'
    failure.value = undefined
    notice.value = undefined
    log.clear()
    let step: FlowStep | undefined
    try {
      const pair = await createClientCodePair()
      log.record(clientCodeStep(pair, 'The Client Code stays in this tab until step 3; only its hash is sent.'))
      const input = {
        provider: providerId,
        clientCodeHash: pair.clientCodeHash,
        hashMethod: pair.hashMethod,
        redirectUri: callbackUri(),
      }
      step = log.record({
        stage: 1,
        title: 'Start the flow',
        action: 'auth.start',
        sent: { ...input, clientCodeHash: mask(input.clientCodeHash) },
      })
      const flow = await api.auth.start.mutate(input)
      if (!('authorizationUrl' in flow)) throw new Error('auth.start did not answer with an authorizationUrl')
      rememberFlow(flow.flowId, { clientCode: pair.clientCode, provider: providerId, expiresAt: Date.parse(flow.expiresAt) })
      log.settle(step, {
        received: { flowId: mask(flow.flowId), authorizationUrl: withoutQuery(flow.authorizationUrl), expiresAt: flow.expiresAt },
        note: `Client Code kept in sessionStorage as boarding-pass:flow:${mask(flow.flowId)}`,
      })
      status.value = 'redirecting'
      log.record({
        stage: 2,
        title: 'Sign in at the provider',
        action: 'location.assign',
        sent: { to: withoutQuery(flow.authorizationUrl) },
        note: 'The provider returns through /auth/callback, which sends the browser back here with a Server Code.',
      })
      leaveFor(flow.authorizationUrl)
    } catch (error) {
      log.settle(step, { status: 'failed', received: { reason: reasonOf(error) ?? 'no answer' } })
      fail(toFailure(error))
    }
  }

  /** Steps 2–4: back from the provider, redeem both codes, call a protected procedure. */
  async function finishCallback(callback: CallbackParams): Promise<void> {
    if (callback.kind === 'empty') {
      const interrupted = sessionStorage.getItem(COMPLETING_KEY)
      sessionStorage.removeItem(COMPLETING_KEY)
      if (interrupted !== null) {
        lastProvider = interrupted || undefined
        log.settleAll('auth.complete', { status: 'failed', note: 'The page was reloaded before the answer came.' })
        return fail(failureForProblem('interrupted'))
      }
      return session ? restore(session) : askTabs()
    }
    // Taken (read and removed) before anything is awaited: a Client Code is used once.
    const flow = callback.flowId ? takeFlow(callback.flowId) : undefined
    lastProvider = flow?.provider
    // Back, even after a detour (Back to the app, then Forward to the provider again).
    log.settleAll(
      'location.assign',
      { received: { at: CALLBACK_PATH }, note: 'The provider sent the browser back through /auth/callback.' },
      ['pending', 'failed'],
    )
    if (callback.kind === 'error') {
      log.record({
        stage: 2,
        title: 'Back from the provider',
        action: 'GET /callback',
        received: { error: callback.error, flow: mask(callback.flowId) },
        note: 'Removed from the address bar and history before anything else ran.',
        status: 'failed',
      })
      return fail(failureForCallbackValue(callback.error))
    }
    log.record({
      stage: 2,
      title: 'Back from the provider',
      action: 'GET /callback',
      received: { server_code: mask(callback.serverCode), flow: mask(callback.flowId) },
      note: 'Removed from the address bar and history before anything else ran.',
      status: flow ? 'done' : 'failed',
    })
    if (!flow) return fail(failureForProblem('flow_not_found'))

    sessionStorage.setItem(COMPLETING_KEY, flow.provider)
    try {
      await redeem(flow.clientCode, callback.serverCode)
    } catch (error) {
      // A reload aborts the request: leave the marker, so the next page load can say what happened.
      if (unloading) return
      sessionStorage.removeItem(COMPLETING_KEY)
      return fail(toFailure(error))
    }
    sessionStorage.removeItem(COMPLETING_KEY)
    await verify()
  }

  /**
   * Steps 3–4 for a Server Code that came another way than through `/callback`:
   * a phone approved a cross-device flow this tab started. The login it opens is
   * the same as a redirect login's (saved, refreshed, shared with other tabs).
   * A refusal returns the tab to idle and is thrown for the caller to show.
   */
  async function signInWithCodes(clientCode: string, serverCode: string): Promise<void> {
    try {
      await redeem(clientCode, serverCode)
    } catch (error) {
      if (status.value === 'completing') status.value = 'idle'
      throw error
    }
    await verify()
  }

  /**
   * Step 3, however the Server Code arrived: `auth.complete` with both codes, and
   * the tokens become this tab's login. Throws what the call threw (recorded
   * unless the page is being left).
   */
  async function redeem(clientCode: string, serverCode: string): Promise<void> {
    status.value = 'completing'
    failure.value = undefined
    const step = log.record({
      stage: 3,
      title: 'Redeem both codes',
      action: 'auth.complete',
      sent: { clientCode: mask(clientCode), serverCode: mask(serverCode) },
    })
    try {
      const response = await api.auth.complete.mutate({ clientCode, serverCode })
      log.settle(step, { received: describeTokens(response), note: 'Client Code forgotten; access token kept in memory only.' })
      const previous = session
      const shared = accept(response, crypto.randomUUID(), 0)
      tabs.post({ type: 'tokens', tokens: shared })
      if (previous && previous.sessionKey !== shared.sessionKey) void endLogin(previous.refreshToken)
    } catch (error) {
      if (!unloading) log.settle(step, { status: 'failed', received: { reason: reasonOf(error) ?? 'no answer' } })
      throw error
    }
  }

  /** Step 4: `auth.me` with the Bearer token (refreshed first when needed). */
  async function verify(): Promise<void> {
    if (!session) return
    const step = log.record({
      stage: 4,
      title: 'Call a protected procedure',
      action: 'auth.me',
      sent: { authorization: `Bearer ${mask(accessToken)}` },
    })
    try {
      const me = await withAccess(
        () => api.auth.me.query(),
        () => log.settle(step, { status: 'pending', note: 'Refused with invalid_token: refreshed once, then retried.' }),
      )
      user.value = me
      verifiedAt.value = Date.now()
      log.settle(step, { received: { id: me.id, name: me.name ?? '—', provider: me.provider } })
    } catch (error) {
      if (!unloading) log.settle(step, { status: 'failed', received: { reason: reasonOf(error) ?? 'no answer' } })
    }
  }

  /**
   * Runs a protected call with a live access token: refreshes first when the
   * token is gone or past its expiry, and once more if the server still says
   * `invalid_token` (a clock skew, a sleep, a key rotation).
   */
  async function withAccess<T>(call: () => Promise<T>, onRetry?: () => void): Promise<T> {
    if (!accessToken || (expiresAt.value ?? 0) <= Date.now()) await refresh('expired')
    const used = accessToken
    try {
      return await call()
    } catch (error) {
      if (reasonOf(error) !== 'invalid_token' || !session) throw error
      onRetry?.()
      if (accessToken === used) await refresh('invalid_token')
      return await call()
    }
  }

  /**
   * Rotates the tokens. One refresh at a time: parallel callers in this tab
   * share one promise, and tabs holding the same login take turns under a Web
   * Lock; a tab that gets the lock after another already rotated adopts that
   * tab's tokens (broadcast before it let go) instead of spending a refresh
   * token that is no longer current, which the server would treat as theft.
   */
  function refresh(cause: RefreshCause): Promise<void> {
    refreshing ??= rotate(cause).finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  async function rotate(cause: RefreshCause): Promise<void> {
    const held = session
    if (!held) throw new Error('no login to refresh')
    const step = log.record({
      title: 'Refresh the access token',
      action: 'auth.refresh',
      sent: { refreshToken: mask(held.refreshToken), cause },
    })
    try {
      await withTabLock(`boarding-pass:refresh:${held.sessionKey}`, async () => {
        // Let a rotation another tab broadcast just before releasing the lock arrive first.
        await new Promise((resolve) => setTimeout(resolve, 0))
        if (session?.sessionKey !== held.sessionKey) throw new Error('signed out meanwhile')
        if (session.generation !== held.generation && accessToken) {
          log.settle(step, { note: 'Another tab had just rotated the tokens; adopted them instead.' })
          return
        }
        const response = await api.auth.refresh.mutate({ refreshToken: session.refreshToken })
        const shared = accept(response, held.sessionKey, session.generation + 1)
        tabs.post({ type: 'tokens', tokens: shared })
        refreshCount.value++
        log.settle(step, { received: describeTokens(response) })
      })
    } catch (error) {
      if (unloading) throw error
      log.settle(step, { status: 'failed', received: { reason: reasonOf(error) ?? 'no answer' } })
      const reason = reasonOf(error)
      if ((reason === 'invalid_grant' || reason === 'invalid_token') && session?.sessionKey === held.sessionKey) {
        tabs.post({ type: 'signed-out', sessionKey: held.sessionKey })
        forget()
        fail(failureForProblem('session_ended'))
      } else if (session) {
        scheduleRefresh(RETRY_REFRESH_MS)
      }
      throw error
    }
  }

  /** Makes a token response this tab's login and returns it as other tabs get it. */
  function accept(response: TokenResponse, sessionKey: string, generation: number): SharedTokens {
    const shared: SharedTokens = {
      sessionKey,
      generation,
      accessToken: response.accessToken,
      refreshToken: response.refreshToken,
      expiresAt: Date.now() + response.expiresIn * 1000,
      user: response.user,
    }
    adopt(shared, response.expiresIn * 1000)
    return shared
  }

  function adopt(tokens: SharedTokens, ttl = tokens.expiresAt - Date.now()): void {
    session = { sessionKey: tokens.sessionKey, refreshToken: tokens.refreshToken, generation: tokens.generation }
    saveSession(session)
    accessToken = tokens.accessToken
    expiresAt.value = tokens.expiresAt
    lifetime.value = Math.max(ttl, 1000)
    user.value = tokens.user
    lastProvider = tokens.user.provider
    status.value = 'signed-in'
    failure.value = undefined
    notice.value = undefined
    scheduleRefresh()
    answeredByTab?.()
  }

  /** Refreshes ahead of expiry: a fifth of the lifetime early (at most a minute), with jitter so tabs spread out. */
  function scheduleRefresh(delay?: number): void {
    clearTimeout(refreshTimer)
    if (!session || expiresAt.value === undefined) return
    const ttl = lifetime.value ?? 60_000
    const lead = Math.min(60_000, ttl / 5) + Math.random() * Math.min(5_000, ttl / 20)
    const wait = delay ?? Math.max(0, expiresAt.value - Date.now() - lead)
    refreshTimer = setTimeout(() => void refresh('timer').catch(() => undefined), wait)
  }

  /** A tab opened with a saved login: take newer tokens from a tab holding them, or refresh. */
  async function restore(saved: SavedSession): Promise<void> {
    status.value = 'completing'
    await askTabs(saved.sessionKey)
    if (accessToken) return
    try {
      await refresh('restore')
      const step = log.steps.value.at(-1)
      if (step?.action === 'auth.refresh') log.settle(step, { note: 'Session restored after a reload.' })
    } catch (error) {
      if (status.value === 'completing') fail(toFailure(error))
    }
  }

  /** Asks other tabs for live tokens and waits a moment for an answer. */
  function askTabs(sessionKey?: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        answeredByTab = undefined
        clearTimeout(timeout)
        resolve()
      }
      const timeout = setTimeout(done, HELLO_WAIT_MS)
      answeredByTab = done
      tabs.post({ type: 'hello', sessionKey })
    })
  }

  function onTabMessage(message: TabMessage): void {
    if (message.type === 'hello') {
      if (session && accessToken && user.value && expiresAt.value && status.value === 'signed-in') {
        if (message.sessionKey && message.sessionKey !== session.sessionKey) return
        tabs.post({ type: 'tokens', tokens: { ...session, accessToken, expiresAt: expiresAt.value, user: user.value } })
      }
    } else if (message.type === 'tokens') {
      const tokens = message.tokens
      if (session?.sessionKey === tokens.sessionKey) {
        const newer = tokens.generation > session.generation || (tokens.generation === session.generation && !accessToken)
        if (!newer) return
        adopt(tokens)
        refreshCount.value++
        log.record({
          title: 'Tokens from another tab',
          action: 'BroadcastChannel',
          received: { accessToken: mask(tokens.accessToken), refreshToken: mask(tokens.refreshToken) },
          note: 'Another tab holding this login rotated its tokens; this tab uses them too.',
          status: 'done',
        })
      } else if (!session && (status.value === 'idle' || status.value === 'error')) {
        adopt(tokens)
        log.record({
          title: 'Signed in from another tab',
          action: 'BroadcastChannel',
          received: { user: tokens.user.name ?? tokens.user.id, accessToken: mask(tokens.accessToken) },
          status: 'done',
        })
      }
    } else if (message.sessionKey === session?.sessionKey) {
      forget()
      status.value = 'idle'
      notice.value = 'You signed out in another tab.'
      log.record({ title: 'Signed out in another tab', action: 'BroadcastChannel', status: 'done' })
    }
  }

  /** Ends the login: the server revokes its refresh tokens, this tab and the tabs sharing it forget it. */
  async function signOut(): Promise<void> {
    clearTimeout(refreshTimer)
    await refreshing?.catch(() => undefined)
    const held = session
    if (!held) {
      forget()
      status.value = 'idle'
      return
    }
    const step = log.record({ title: 'Sign out', action: 'auth.logout', sent: { refreshToken: mask(held.refreshToken) } })
    try {
      await api.auth.logout.mutate({ refreshToken: held.refreshToken })
      log.settle(step, { received: { ok: 'true' }, note: 'Every refresh token of this login is dead.' })
    } catch (error) {
      log.settle(step, { status: 'failed', received: { reason: reasonOf(error) ?? 'no answer' }, note: 'Signed out here only.' })
    }
    tabs.post({ type: 'signed-out', sessionKey: held.sessionKey })
    forget()
    status.value = 'idle'
  }

  /** What "Try again" does for the failure on screen. */
  async function retry(): Promise<void> {
    const action = failure.value?.retry
    failure.value = undefined
    status.value = 'idle'
    if (action === 'reload-providers') return loadProviders()
    if (session && !accessToken) return restore(session)
    if (lastProvider) return signIn(lastProvider)
    if (!providersLoaded.value) return loadProviders()
  }

  /** Leaves an error for the provider list, without starting anything. */
  function dismiss(): void {
    failure.value = undefined
    if (status.value === 'error') status.value = 'idle'
  }

  function fail(next: AuthFailure): void {
    failure.value = next
    status.value = 'error'
  }

  function forget(): void {
    clearTimeout(refreshTimer)
    accessToken = undefined
    session = undefined
    clearSession()
    user.value = undefined
    expiresAt.value = undefined
    lifetime.value = undefined
    verifiedAt.value = undefined
  }

  /** Revokes a login this tab no longer uses (replaced by a new sign-in). */
  async function endLogin(refreshToken: string): Promise<void> {
    await api.auth.logout.mutate({ refreshToken }).catch(() => undefined)
  }

  function onPageHide(): void {
    unloading = true
  }

  /** Back from the provider with the browser's Back button: the page is live again, not leaving. */
  function onPageShow(event: PageTransitionEvent): void {
    unloading = false
    if (event.persisted && status.value === 'redirecting') {
      status.value = 'idle'
      log.settleAll('location.assign', { status: 'failed', note: 'Came back without finishing at the provider.' })
    }
  }

  /** Timers sleep in background tabs and suspended laptops: catch up when the page is seen again. */
  function onVisible(): void {
    if (document.visibilityState !== 'visible' || !session || status.value !== 'signed-in') return
    scheduleRefresh()
  }

  return {
    status,
    failure,
    notice,
    user,
    providers,
    providersLoaded,
    providersFailure,
    providerName,
    expiresAt,
    lifetime,
    refreshCount,
    verifiedAt,
    steps: log.steps,
    /** For the cross-device store: its steps go into the same inspector. */
    recordStep: log.record,
    settleStep: log.settle,
    settleSteps: log.settleAll,
    clearSteps: log.clear,
    isSignedIn,
    init,
    loadProviders,
    signIn,
    signInWithCodes,
    verify,
    refresh: () => refresh('manual'),
    signOut,
    retry,
    dismiss,
  }
})

function withoutQuery(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

function describeTokens(response: TokenResponse): Record<string, string> {
  return {
    tokenType: response.tokenType,
    expiresIn: `${response.expiresIn} s`,
    accessToken: mask(response.accessToken),
    refreshToken: mask(response.refreshToken),
    user: response.user.name ?? response.user.id,
  }
}

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useAuthStore, import.meta.hot))

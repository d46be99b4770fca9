import { createClientCodePair } from '@boarding-pass/shared'
import { isCallbackUrl, takeCallbackParams, type CallbackParams } from './callback.js'
import { type BoardingPassError, callbackError, clientError, isBoardingPassError, serverError } from './errors.js'
import { resolveDpop } from './dpop.js'
import { createEmitter, maskSecret } from './events.js'
import { createFlowStore, type PendingDeviceFlow, type PendingFlow } from './flows.js'
import { defaultStorage, readJson } from './storage.js'
import { joinTabs, type SharedTokens, type TabChannel, type TabMessage } from './tab-sync.js'
import { authorizationStep, createTransport, type Credential, type RequestStep } from './transport.js'
import type { Provider, Session, SignOutScope, TokenResponse, User } from './types.js'
import type {
  BoardingPassClient,
  BoardingPassClientOptions,
  BoardingPassEvents,
  BoardingPassState,
  BoardingPassStatus,
  CallbackResult,
  CrossDeviceOptions,
  CrossDeviceSignIn,
  FlowStep,
  RefreshCause,
  SignInOptions,
  StartedSignIn,
} from './client-types.js'
import { followCrossDevice } from './cross-device.js'

/** A login as this tab keeps it across reloads (the access token is never stored). */
interface SavedSession {
  sessionKey: string
  refreshToken: string
  generation: number
  tokenType: string
}

/** How long a tab that opens waits for a tab holding live tokens to answer. */
const HELLO_WAIT_MS = 150
/** How long after a failed background refresh to try again. */
const RETRY_REFRESH_MS = 5_000
/** A token this close to expiry (or a tenth of its lifetime, if less) is refreshed before use. */
const EXPIRY_MARGIN_MS = 5_000
/** How long a tab that rotated keeps the lock after telling the others, so its tokens reach them before a waiting tab goes ahead. */
const HANDOVER_MS = 25

/**
 * Makes a Boarding Pass client: the two-code sign-in, the session (access
 * token in memory only, refreshed one at a time across calls and tabs),
 * cross-device sign-in, sessions, and an authorized fetch for your own API.
 *
 * @example
 * ```ts
 * import { createBoardingPassClient } from '@boarding-pass/client'
 *
 * const auth = createBoardingPassClient({ url: 'https://login.example.com' })
 * await auth.init() // finishes a callback, or restores the login after a reload
 * if (auth.state.status !== 'signed-in') await auth.signIn('github')
 * const orders = await auth.fetch('/api/orders').then((r) => r.json())
 * ```
 */
export function createBoardingPassClient(options: BoardingPassClientOptions): BoardingPassClient {
  if (!options || typeof options.url !== 'string' || options.url === '') {
    throw new TypeError('createBoardingPassClient: `url` (the Boarding Pass URL) is required')
  }
  const location = globalThis.location as Location | undefined
  const url = new URL(options.url, location?.href).href.replace(/\/+$/, '')
  const redirectUri =
    options.redirectUri !== undefined
      ? new URL(options.redirectUri, location?.href).href
      : location
        ? new URL('/callback', location.origin).href
        : undefined
  const apiOrigins = new Set(
    (options.apiOrigins ?? [location?.origin, url].filter((value): value is string => typeof value === 'string')).map(
      (value) => new URL(value, location?.href).origin,
    ),
  )
  const storage = options.storage ?? defaultStorage()
  const prefix = options.storageKey ?? 'boarding-pass'
  const sessionItem = `${prefix}:session`
  const completingItem = `${prefix}:completing`
  const flows = createFlowStore(storage, prefix)
  // The DPoP key, loaded once (IndexedDB is shared by tabs, so every tab holding a login signs with its key).
  const dpop = resolveDpop(options.dpop, prefix)
  const proofUrls = new Set(['auth.complete', 'auth.refresh'].map((path) => `${url}/trpc/${path}`))
  /** A fresh proof for each request: with `ath` for a bound token; alone for `auth.complete` and `auth.refresh`. */
  const dpopStep: RequestStep = async (request, used) => {
    const key = (await dpop).signer
    if (!key) return
    if (used?.tokenType === 'DPoP') request.headers.set('dpop', await key.proof(request.method, request.url, used.accessToken))
    else if (!used && proofUrls.has(request.url.split(/[?#]/, 1)[0]!))
      request.headers.set('dpop', await key.proof(request.method, request.url))
  }
  const transport = createTransport(url, options.fetch, [authorizationStep, dpopStep])
  const emitter = createEmitter<BoardingPassEvents>()
  // Tabs only where there are tabs: in Node, clients of one process must never hand each other a login.
  const tabSync = options.tabSync ?? typeof window !== 'undefined'
  const tabs: TabChannel = tabSync
    ? joinTabs(prefix, onTabMessage)
    : { post: () => undefined, close: () => undefined, exclusive: (_name, task) => task() }
  const post = (message: TabMessage) => tabs.post(message)

  let state: BoardingPassState = Object.freeze({
    status: 'loading',
    user: undefined,
    error: undefined,
    expiresAt: undefined,
    lifetime: undefined,
    refreshCount: 0,
    binding: undefined,
  })
  let credential: Credential | undefined
  let session: SavedSession | undefined
  let refreshing: Promise<void> | undefined
  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  let started: Promise<{ returnTo?: string }> | undefined
  let answeredByTab: (() => void) | undefined
  let unloading = false
  let disposed = false
  let nextStepId = 1
  /** Another tab of this origin has spoken on the channel (a hello, tokens): it may be waiting for the lock. */
  let peers = false
  const watches = new Set<() => void>()

  const win = typeof window === 'undefined' ? undefined : window
  const onPageHide = () => {
    unloading = true
  }
  const onPageShow = (event: PageTransitionEvent) => {
    unloading = false
    if (event.persisted && state.status === 'redirecting') set({ status: 'signed-out' })
  }
  const onVisible = () => {
    if (globalThis.document?.visibilityState === 'visible' && session && state.status === 'signed-in') scheduleRefresh()
  }
  void dpop.then(({ binding }) => {
    if (!disposed) set({ binding })
  })
  win?.addEventListener('pagehide', onPageHide)
  win?.addEventListener('pageshow', onPageShow)
  globalThis.document?.addEventListener('visibilitychange', onVisible)

  // ----- state and events -----

  function set(patch: Partial<BoardingPassState>): void {
    state = Object.freeze({ ...state, ...patch })
    emitter.emit('state', state)
  }

  function fail(error: BoardingPassError, status: BoardingPassStatus = 'signed-out'): BoardingPassError {
    set({ error, status })
    emitter.emit('error', error)
    return error
  }

  function record(step: Omit<FlowStep, 'id' | 'at' | 'status'> & { status?: FlowStep['status'] }): FlowStep {
    const entry: FlowStep = { status: 'pending', ...step, id: nextStepId++, at: Date.now() }
    emitter.emit('step', entry)
    return entry
  }

  function settle(step: FlowStep | undefined, patch: Partial<Omit<FlowStep, 'id'>> = {}): void {
    if (step) emitter.emit('step', { ...step, status: 'done', ...patch })
  }

  const reasonOf = (error: unknown) => (isBoardingPassError(error) ? error.reason : 'unexpected')
  const asError = (error: unknown) => (isBoardingPassError(error) ? error : clientError('unexpected', error))

  // ----- start-up -----

  function init(): Promise<{ returnTo?: string }> {
    if (started) return started
    flows.prune()
    session = loadSession()
    const here = location?.href
    // Synchronously, before anything is awaited: the codes leave the address bar and history now.
    const callback = here && redirectUri && isCallbackUrl(new URL(here), redirectUri) ? takeCallbackParams(here) : undefined
    // The Client Code too is taken now (read and removed): it is used once, whatever happens next.
    const flow = callback && callback.kind !== 'empty' && callback.flowId ? flows.take(callback.flowId) : undefined
    started = (async () => {
      // Nothing is emitted in this tick: listeners attached right after init() (a store, an inspector) see every step.
      await Promise.resolve()
      if (callback && callback.kind !== 'empty') {
        try {
          return { returnTo: (await finishCallback(callback, flow)).returnTo }
        } catch {
          return {}
        }
      }
      if (callback && storage.getItem(completingItem) !== null) {
        storage.removeItem(completingItem)
        fail(clientError('interrupted'))
        return {}
      }
      await (session ? restore(session) : askTabs())
      if (state.status === 'loading') set({ status: credential ? 'signed-in' : 'signed-out' })
      return {}
    })()
    return started
  }

  async function restore(saved: SavedSession): Promise<void> {
    await askTabs(saved.sessionKey)
    if (credential) return
    try {
      await refresh('restore')
      if (state.user) emitter.emit('signed-in', { user: state.user, via: 'restore' })
    } catch (error) {
      // Kept for a later try (a call, or signing in again) unless the server ended it.
      if (state.status === 'loading') fail(asError(error))
    }
  }

  /** Asks other tabs for live tokens and waits a moment for an answer. */
  function askTabs(sessionKey?: string): Promise<void> {
    if (!tabSync || typeof BroadcastChannel === 'undefined') return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        answeredByTab = undefined
        clearTimeout(timeout)
        resolve()
      }
      const timeout = setTimeout(done, HELLO_WAIT_MS)
      answeredByTab = done
      post({ type: 'hello', sessionKey })
    })
  }

  // ----- steps 0-2 -----

  /** Step 0, shared by both ways of signing in: a Client Code and its hash, shown masked to the inspector. */
  async function makeClientCode(note: string) {
    const pair = await createClientCodePair()
    record({
      stage: 0,
      title: 'Make the Client Code',
      action: 'createClientCodePair()',
      received: {
        clientCode: maskSecret(pair.clientCode),
        clientCodeHash: maskSecret(pair.clientCodeHash),
        hashMethod: pair.hashMethod,
      },
      note,
      status: 'done',
    })
    return pair
  }

  async function startSignIn(provider: string, signInOptions: SignInOptions = {}): Promise<StartedSignIn> {
    if (typeof provider !== 'string' || provider === '') throw new TypeError('signIn: `provider` (a provider id) is required')
    if (!redirectUri)
      throw new TypeError('signIn: set `redirectUri` in createBoardingPassClient (no page address to default from)')
    set({ status: 'starting', error: undefined })
    let step: FlowStep | undefined
    try {
      const pair = await makeClientCode('The Client Code stays in this tab until step 3; only its hash is sent.')
      const input = { provider, clientCodeHash: pair.clientCodeHash, hashMethod: pair.hashMethod, redirectUri }
      step = record({
        stage: 1,
        title: 'Start the flow',
        action: 'auth.start',
        sent: { ...input, clientCodeHash: maskSecret(input.clientCodeHash) },
      })
      const flow = await transport.mutation<{ flowId: string; authorizationUrl: string; expiresAt: string }>('auth.start', input)
      if (typeof flow?.authorizationUrl !== 'string') throw clientError('unexpected')
      const expiresAt = Date.parse(flow.expiresAt)
      flows.remember(flow.flowId, {
        clientCode: pair.clientCode,
        provider,
        expiresAt,
        ...(signInOptions.returnTo === undefined ? {} : { returnTo: signInOptions.returnTo }),
      })
      settle(step, {
        received: {
          flowId: maskSecret(flow.flowId),
          authorizationUrl: withoutQuery(flow.authorizationUrl),
          expiresAt: flow.expiresAt,
        },
        note: `Client Code kept in storage as ${flows.redirectPrefix}${maskSecret(flow.flowId)}`,
      })
      return { flowId: flow.flowId, authorizationUrl: flow.authorizationUrl, expiresAt }
    } catch (error) {
      settle(step, { status: 'failed', received: { reason: reasonOf(error) } })
      throw fail(asError(error), session && credential ? 'signed-in' : 'signed-out')
    }
  }

  async function signIn(provider: string, signInOptions?: SignInOptions): Promise<void> {
    const navigate = options.navigate ?? (location ? (to: string) => location.assign(to) : undefined)
    if (!navigate) throw new TypeError('signIn: pass `navigate` to createBoardingPassClient (no browser page to leave)')
    const flow = await startSignIn(provider, signInOptions)
    set({ status: 'redirecting' })
    record({
      stage: 2,
      title: 'Sign in at the provider',
      action: 'location.assign',
      sent: { to: withoutQuery(flow.authorizationUrl) },
      note: 'The provider returns through /auth/callback, which sends the browser back with a Server Code.',
    })
    navigate(flow.authorizationUrl)
  }

  // ----- steps 2-3 -----

  function handleCallback(href?: string): Promise<CallbackResult> {
    const target = href ?? location?.href
    if (!target) return Promise.reject(new TypeError('handleCallback: pass the callback URL (no page address)'))
    const callback = takeCallbackParams(target)
    return finishCallback(callback)
  }

  async function finishCallback(callback: CallbackParams, taken?: PendingFlow): Promise<CallbackResult> {
    if (callback.kind === 'empty') throw fail(clientError('flow_not_found'))
    // Taken (read and removed) before anything is awaited: a Client Code is used once.
    const flow = taken ?? (callback.flowId ? flows.take(callback.flowId) : undefined)
    const masked = { flow: maskSecret(callback.flowId) }
    if (callback.kind === 'error') {
      record({
        stage: 2,
        title: 'Back from the provider',
        action: 'GET /callback',
        received: { error: callback.error, ...masked },
        status: 'failed',
      })
      throw fail(callbackError(callback.error))
    }
    record({
      stage: 2,
      title: 'Back from the provider',
      action: 'GET /callback',
      received: { server_code: maskSecret(callback.serverCode), ...masked },
      note: 'Removed from the address bar and history before anything else ran.',
      status: flow ? 'done' : 'failed',
    })
    if (!flow) throw fail(clientError('flow_not_found'))
    storage.setItem(completingItem, flow.provider)
    try {
      const user = await redeem(flow.clientCode, callback.serverCode, 'redirect')
      return { user, returnTo: flow.returnTo }
    } finally {
      // A reload aborts the request: the marker stays, so the next load can say what happened.
      if (!unloading) storage.removeItem(completingItem)
    }
  }

  /** Step 3, however the Server Code arrived. */
  async function redeem(clientCode: string, serverCode: string, via: 'redirect' | 'cross-device'): Promise<User> {
    return keep(await exchange(clientCode, serverCode), via)
  }

  /** `auth.complete`: the tokens, not kept yet (a cross-device login may still be refused). */
  async function exchange(clientCode: string, serverCode: string): Promise<TokenResponse> {
    set({ status: 'completing', error: undefined })
    const { binding } = await dpop
    const step = record({
      stage: 3,
      title: 'Redeem both codes',
      action: 'auth.complete',
      sent: {
        clientCode: maskSecret(clientCode),
        serverCode: maskSecret(serverCode),
        ...(binding.type === 'dpop' ? { DPoP: `proof by the key ${binding.jkt}` } : {}),
      },
    })
    try {
      const response = await transport.mutation<TokenResponse>('auth.complete', { clientCode, serverCode })
      const bound =
        binding.type === 'dpop'
          ? 'Bound to this browser’s non-extractable key (cnf.jkt): a copied token is refused elsewhere.'
          : `Bearer: ${binding.why}.`
      settle(step, {
        received: describeTokens(response),
        note: `Client Code forgotten; access token kept in memory only. ${bound}`,
      })
      return response
    } catch (error) {
      if (!unloading) settle(step, { status: 'failed', received: { reason: reasonOf(error) } })
      throw fail(asError(error))
    }
  }

  /** Makes redeemed tokens this client's login: stored, shared with the other tabs, signed in. */
  function keep(response: TokenResponse, via: 'redirect' | 'cross-device'): User {
    const previous = session
    const shared = accept(response, randomKey(), 0)
    post({ type: 'tokens', tokens: shared })
    if (previous && previous.sessionKey !== shared.sessionKey) {
      void transport.mutation('auth.logout', { refreshToken: previous.refreshToken }).catch(() => undefined)
    }
    emitter.emit('signed-in', { user: response.user, via })
    return response.user
  }

  /** While a redeemed login waits for "Continue as …?": back to how the client stood, nothing kept. */
  function unsettled(): void {
    set({ status: session && credential ? 'signed-in' : 'signed-out' })
  }

  /**
   * Ends a login this client never kept (`auth.logout` with its refresh token).
   * `keepalive` lets the request outlive the page that is closing.
   */
  function discard(refreshToken: string, keepalive = false): Promise<void> {
    const request = new Request(transport.procedureUrl('auth.logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
      keepalive,
    })
    return transport.send(request).then(async (response) => {
      if (response.ok) return
      let body: unknown
      try {
        body = await response.json()
      } catch {
        body = undefined
      }
      throw serverError(body, response.status)
    })
  }

  // ----- the session -----

  function loadSession(): SavedSession | undefined {
    const value = readJson(storage, sessionItem) as Partial<SavedSession> | undefined
    if (typeof value?.sessionKey !== 'string' || typeof value.refreshToken !== 'string' || typeof value.generation !== 'number') {
      return undefined
    }
    return {
      sessionKey: value.sessionKey,
      refreshToken: value.refreshToken,
      generation: value.generation,
      tokenType: typeof value.tokenType === 'string' ? value.tokenType : 'Bearer',
    }
  }

  function accept(response: TokenResponse, sessionKey: string, generation: number): SharedTokens {
    const shared: SharedTokens = {
      sessionKey,
      generation,
      accessToken: response.accessToken,
      tokenType: response.tokenType,
      refreshToken: response.refreshToken,
      expiresAt: Date.now() + response.expiresIn * 1000,
      user: response.user,
    }
    adopt(shared, response.expiresIn * 1000)
    return shared
  }

  function adopt(tokens: SharedTokens, ttl = tokens.expiresAt - Date.now()): void {
    session = {
      sessionKey: tokens.sessionKey,
      refreshToken: tokens.refreshToken,
      generation: tokens.generation,
      tokenType: tokens.tokenType,
    }
    storage.setItem(sessionItem, JSON.stringify(session))
    credential = { accessToken: tokens.accessToken, tokenType: tokens.tokenType }
    set({ status: 'signed-in', user: tokens.user, error: undefined, expiresAt: tokens.expiresAt, lifetime: Math.max(ttl, 1000) })
    scheduleRefresh()
    answeredByTab?.()
  }

  function forget(): void {
    clearTimeout(refreshTimer)
    credential = undefined
    session = undefined
    storage.removeItem(sessionItem)
    set({ user: undefined, expiresAt: undefined, lifetime: undefined })
  }

  /** Refreshes ahead of expiry: a fifth of the lifetime early (at most a minute), with jitter so tabs spread out. */
  function scheduleRefresh(delay?: number): void {
    clearTimeout(refreshTimer)
    if (disposed || !session || state.expiresAt === undefined) return
    const ttl = state.lifetime ?? 60_000
    const lead = Math.min(60_000, ttl / 5) + Math.random() * Math.min(5_000, ttl / 20)
    const wait = delay ?? Math.max(0, state.expiresAt - Date.now() - lead)
    refreshTimer = setTimeout(() => void refresh('timer').catch(() => undefined), wait)
    ;(refreshTimer as { unref?: () => void }).unref?.()
  }

  /**
   * One refresh at a time: callers in this client share one promise, and tabs
   * holding the same login take turns under a Web Lock; a tab that gets the
   * lock after another already rotated adopts that tab's tokens (broadcast
   * before it let go) instead of spending a refresh token that is no longer
   * current, which the server would treat as theft and end the login.
   */
  function refresh(cause: RefreshCause): Promise<void> {
    refreshing ??= rotate(cause).finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  async function rotate(cause: RefreshCause): Promise<void> {
    const held = session
    if (!held) throw clientError('not_signed_in')
    const step = record({
      title: 'Refresh the access token',
      action: 'auth.refresh',
      sent: { refreshToken: maskSecret(held.refreshToken), cause },
    })
    try {
      await tabs.exclusive(
        `${prefix}:refresh:${held.sessionKey}`,
        async () => {
          // Let tokens another tab broadcast just before it released the lock arrive first.
          await new Promise((resolve) => setTimeout(resolve, 0))
          if (session?.sessionKey !== held.sessionKey) throw clientError('session_ended')
          if (session.generation !== held.generation && credential) {
            settle(step, { note: 'Another tab had just rotated the tokens; adopted them instead.' })
            return
          }
          const response = await transport.mutation<TokenResponse>('auth.refresh', { refreshToken: session.refreshToken })
          const shared = accept(response, held.sessionKey, session.generation + 1)
          post({ type: 'tokens', tokens: shared })
          set({ refreshCount: state.refreshCount + 1 })
          settle(step, { received: describeTokens(response) })
          emitter.emit('refresh', { cause, fromTab: false, expiresAt: shared.expiresAt })
          if (peers) await new Promise((resolve) => setTimeout(resolve, HANDOVER_MS))
        },
        peers,
      )
    } catch (error) {
      if (unloading) throw error
      settle(step, { status: 'failed', received: { reason: reasonOf(error) } })
      const reason = reasonOf(error)
      if ((reason === 'invalid_grant' || reason === 'invalid_token') && session?.sessionKey === held.sessionKey) {
        post({ type: 'signed-out', sessionKey: held.sessionKey })
        forget()
        fail(clientError('session_ended', error))
        emitter.emit('signed-out', { reason: 'session_ended' })
      } else if (session) {
        scheduleRefresh(RETRY_REFRESH_MS)
      }
      throw asError(error)
    }
  }

  function onTabMessage(message: TabMessage): void {
    if (disposed) return
    peers = true
    if (message.type === 'hello') {
      if (session && credential && state.user && state.expiresAt && state.status === 'signed-in') {
        if (message.sessionKey && message.sessionKey !== session.sessionKey) return
        post({ type: 'tokens', tokens: { ...session, ...credential, expiresAt: state.expiresAt, user: state.user } })
      }
    } else if (message.type === 'tokens') {
      const tokens = message.tokens
      if (session?.sessionKey === tokens.sessionKey) {
        const newer = tokens.generation > session.generation || (tokens.generation === session.generation && !credential)
        if (!newer) return
        adopt(tokens)
        set({ refreshCount: state.refreshCount + 1 })
        record({
          title: 'Tokens from another tab',
          action: 'BroadcastChannel',
          received: { accessToken: maskSecret(tokens.accessToken), refreshToken: maskSecret(tokens.refreshToken) },
          note: 'Another tab holding this login rotated its tokens; this tab uses them too.',
          status: 'done',
        })
        emitter.emit('refresh', { cause: 'tab', fromTab: true, expiresAt: tokens.expiresAt })
      } else if (!session && (state.status === 'signed-out' || state.status === 'loading')) {
        adopt(tokens)
        record({
          title: 'Signed in from another tab',
          action: 'BroadcastChannel',
          received: { user: tokens.user.name ?? tokens.user.id, accessToken: maskSecret(tokens.accessToken) },
          status: 'done',
        })
        emitter.emit('signed-in', { user: tokens.user, via: 'tab' })
      }
    } else if (message.type === 'signed-out' && message.sessionKey === session?.sessionKey) {
      forget()
      set({ status: 'signed-out' })
      record({ title: 'Signed out in another tab', action: 'BroadcastChannel', status: 'done' })
      emitter.emit('signed-out', { reason: 'tab' })
    }
  }

  async function currentCredential(): Promise<Credential> {
    if (started && state.status === 'loading') await started
    if (!session) throw clientError('not_signed_in')
    const margin = Math.min(EXPIRY_MARGIN_MS, (state.lifetime ?? 0) / 10)
    if (!credential || (state.expiresAt ?? 0) - margin <= Date.now()) await refresh('expired')
    if (!credential) throw clientError('not_signed_in')
    return credential
  }

  /** Runs a call with a live credential; once more after a refresh if the server still says `invalid_token`. */
  async function authorized<T>(call: (credential: Credential) => Promise<T>): Promise<T> {
    const used = await currentCredential()
    try {
      return await call(used)
    } catch (error) {
      if (!isBoardingPassError(error, 'invalid_token') || !session) throw error
      if (credential?.accessToken === used.accessToken) await refresh('invalid_token')
      return await call(await currentCredential())
    }
  }

  async function authorizedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init)
    if (started && state.status === 'loading') await started
    if (!session || !apiOrigins.has(new URL(request.url).origin)) return transport.send(request)
    const used = await currentCredential()
    const response = await transport.send(request.clone(), used)
    if (response.status !== 401 || !(await saysInvalidToken(response))) return response
    if (credential?.accessToken === used.accessToken) await refresh('invalid_token')
    return transport.send(request, await currentCredential())
  }

  async function me(): Promise<User> {
    const step = record({
      stage: 4,
      title: 'Call a protected procedure',
      action: 'auth.me',
      sent: { authorization: `${credential?.tokenType ?? 'Bearer'} ${maskSecret(credential?.accessToken)}` },
    })
    try {
      const user = await authorized((used) => transport.query<User>('auth.me', undefined, used))
      settle(step, { received: { id: user.id, name: user.name ?? '—', provider: user.provider } })
      set({ user })
      return user
    } catch (error) {
      if (!unloading) settle(step, { status: 'failed', received: { reason: reasonOf(error) } })
      throw asError(error)
    }
  }

  async function signOut(signOutOptions: { scope?: SignOutScope } = {}): Promise<void> {
    const scope = signOutOptions.scope
    await refreshing?.catch(() => undefined)
    const held = session
    if (!held) {
      forget()
      set({ status: 'signed-out' })
      return
    }
    const input = scope === undefined ? { refreshToken: held.refreshToken } : { refreshToken: held.refreshToken, scope }
    const step = record({
      title: 'Sign out',
      action: 'auth.logout',
      sent: { refreshToken: maskSecret(held.refreshToken), ...(scope ? { scope } : {}) },
    })
    let failure: BoardingPassError | undefined
    try {
      await transport.mutation('auth.logout', input)
      settle(step, { received: { ok: 'true' } })
    } catch (error) {
      failure = asError(error)
      settle(step, { status: 'failed', received: { reason: failure.reason }, note: 'Signed out here only.' })
    }
    if (scope === 'others') {
      if (failure) throw failure
      return
    }
    clearTimeout(refreshTimer)
    post({ type: 'signed-out', sessionKey: held.sessionKey })
    forget()
    set({ status: 'signed-out', error: undefined })
    emitter.emit('signed-out', { reason: 'user' })
  }

  async function revokeSession(sessionId: string): Promise<void> {
    if (typeof sessionId !== 'string' || sessionId === '') throw new TypeError('revokeSession: `sessionId` is required')
    const current = credential ? sessionIdOf(credential.accessToken) : undefined
    await authorized((used) => transport.mutation('auth.revokeSession', { sessionId }, used))
    if (current === sessionId && session) {
      post({ type: 'signed-out', sessionKey: session.sessionKey })
      forget()
      set({ status: 'signed-out' })
      emitter.emit('signed-out', { reason: 'session_ended' })
    }
  }

  // ----- cross-device -----

  const crossDeviceDeps = { transport, flows, record, settle, exchange, keep, unsettled, discard, watches }

  async function startCrossDevice(crossOptions: CrossDeviceOptions = {}): Promise<CrossDeviceSignIn> {
    set({ error: undefined })
    const pair = await makeClientCode('The Client Code stays here until step 3; the phone never sees it.')
    const input = {
      mode: 'cross-device' as const,
      clientCodeHash: pair.clientCodeHash,
      hashMethod: pair.hashMethod,
      ...(crossOptions.provider ? { provider: crossOptions.provider } : {}),
      ...(crossOptions.deviceName ? { deviceName: crossOptions.deviceName } : {}),
    }
    const step = record({
      stage: 1,
      title: 'Start a cross-device flow',
      action: 'auth.start',
      sent: { ...input, clientCodeHash: maskSecret(input.clientCodeHash) },
    })
    try {
      const started = await transport.mutation<{
        flowId: string
        userCode: string
        verificationUri: string
        verificationUriComplete: string
        expiresAt: string
        interval: number
      }>('auth.start', input)
      const pending: PendingDeviceFlow = {
        flowId: started.flowId,
        clientCode: pair.clientCode,
        userCode: started.userCode,
        verificationUri: started.verificationUri,
        verificationUriComplete: started.verificationUriComplete,
        expiresAt: Date.parse(started.expiresAt),
        interval: started.interval,
        ...(crossOptions.deviceName ? { deviceName: crossOptions.deviceName } : {}),
      }
      flows.rememberDevice(pending)
      settle(step, {
        received: {
          flowId: maskSecret(pending.flowId),
          userCode: pending.userCode,
          verificationUri: pending.verificationUri,
          expiresAt: started.expiresAt,
          interval: `${pending.interval} s`,
        },
      })
      return followCrossDevice(pending, crossOptions.transport ?? 'auto', crossOptions.confirm, crossDeviceDeps)
    } catch (error) {
      settle(step, { status: 'failed', received: { reason: reasonOf(error) } })
      const failure = asError(error)
      emitter.emit('error', failure)
      throw failure
    }
  }

  function resumeCrossDevice(
    resumeOptions: Pick<CrossDeviceOptions, 'transport' | 'confirm'> = {},
  ): CrossDeviceSignIn | undefined {
    const pending = flows.pendingDevice()
    if (!pending) return undefined
    record({
      title: 'Resume after a reload',
      action: 'sessionStorage',
      received: { flowId: maskSecret(pending.flowId), userCode: pending.userCode },
      note: 'The Client Code was kept under its flowId; watching the same flow again.',
      status: 'done',
    })
    return followCrossDevice(pending, resumeOptions.transport ?? 'auto', resumeOptions.confirm, crossDeviceDeps)
  }

  return {
    get state() {
      return state
    },
    url,
    redirectUri,
    init,
    subscribe(listener) {
      return emitter.on('state', listener)
    },
    on: (event, listener) => emitter.on(event, listener),
    providers: () => transport.query<Provider[]>('auth.providers'),
    signIn,
    startSignIn,
    handleCallback,
    startCrossDevice,
    resumeCrossDevice,
    hasPendingCrossDevice: () => flows.pendingDevice() !== undefined,
    getAccessToken: async () => (await currentCredential()).accessToken,
    me,
    fetch: authorizedFetch,
    refresh: () => refresh('manual'),
    sessions: () =>
      authorized((used) => transport.query<{ sessions: Session[] }>('auth.sessions', undefined, used)).then((r) => r.sessions),
    revokeSession,
    signOut,
    clearError: () => set({ error: undefined }),
    dispose() {
      disposed = true
      clearTimeout(refreshTimer)
      for (const stop of [...watches]) stop()
      tabs.close()
      win?.removeEventListener('pagehide', onPageHide)
      win?.removeEventListener('pageshow', onPageShow)
      globalThis.document?.removeEventListener('visibilitychange', onVisible)
      emitter.clear()
    },
  }
}

/** True when a 401 says the access token is the problem (a tRPC `reason`, or `WWW-Authenticate: … error="invalid_token"`). */
async function saysInvalidToken(response: Response): Promise<boolean> {
  if (/invalid_token/.test(response.headers.get('www-authenticate') ?? '')) return true
  try {
    type Body = { error?: { data?: { reason?: unknown } } | string } | null
    const body = (await response.clone().json()) as Body | Body[]
    // A tRPC batch answers an array; it is retried when one of its calls was refused for the token.
    return (Array.isArray(body) ? body : [body]).some(
      (item) =>
        item?.error === 'invalid_token' || (typeof item?.error === 'object' && item.error?.data?.reason === 'invalid_token'),
    )
  } catch {
    return false
  }
}

/** The claims of an access token (read, not verified: only to show and to know which session is this one). */
function claimsOf(accessToken: string): { sid?: unknown; cnf?: { jkt?: unknown } } | undefined {
  try {
    const payload = accessToken.split('.')[1] ?? ''
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sid?: unknown; cnf?: { jkt?: unknown } }
  } catch {
    return undefined
  }
}

/** The `sid` claim of an access token. */
function sessionIdOf(accessToken: string): string | undefined {
  const sid = claimsOf(accessToken)?.sid
  return typeof sid === 'string' ? sid : undefined
}

/** The `cnf.jkt` claim of a bound access token. */
function jktOf(accessToken: string): string | undefined {
  const jkt = claimsOf(accessToken)?.cnf?.jkt
  return typeof jkt === 'string' ? jkt : undefined
}

function randomKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function withoutQuery(href: string): string {
  const parsed = new URL(href)
  return `${parsed.origin}${parsed.pathname}`
}

function describeTokens(response: TokenResponse): Record<string, string> {
  return {
    tokenType: response.tokenType,
    expiresIn: `${response.expiresIn} s`,
    accessToken: maskSecret(response.accessToken),
    refreshToken: maskSecret(response.refreshToken),
    user: response.user.name ?? response.user.id,
    ...(response.tokenType === 'DPoP' ? { 'cnf.jkt': jktOf(response.accessToken) ?? '—' } : {}),
  }
}

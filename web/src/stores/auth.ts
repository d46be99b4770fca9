import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import type { BoardingPassState, Provider } from '@boarding-pass/client'
import { useBoardingPass } from '@boarding-pass/vue'
import { CALLBACK_PATH } from '../auth/callback-url'
import { toFailure, type AuthFailure } from '../auth/failures'
import { createStepLog, type FlowStep } from '../auth/inspector'

/** Where sign-in stands in this tab, as the pages show it. */
export type AuthStatus = 'idle' | 'starting' | 'redirecting' | 'completing' | 'signed-in' | 'error'

export type { Provider }

/** The provider of the last sign-in started here, so "Try again" after an interrupted callback can start it again. */
const LAST_PROVIDER_KEY = 'demo:last-provider'

/**
 * The demo's view of the login: what @boarding-pass/client does (the flow, the
 * session, the tabs), turned into what the pages show: a status, a failure in
 * words, a notice, and the flow inspector's steps (from the client's `step`
 * events). It holds no flow logic of its own.
 */
export const useAuthStore = defineStore('auth', () => {
  const { client } = useBoardingPass()
  const state = shallowRef<BoardingPassState>(client.state)
  const notice = ref<string>()
  const providers = shallowRef<readonly Provider[]>([])
  const providersLoaded = ref(false)
  const providersFailure = shallowRef<AuthFailure>()
  const verifiedAt = ref<number>()
  const log = createStepLog()
  /** A saved login or a callback to finish: while the client starts, the tab is "completing", not signed out. */
  const resuming = window.location.pathname === CALLBACK_PATH || sessionStorage.getItem('boarding-pass:session') !== null
  let started: Promise<void> | undefined
  /** Step 4 after a new sign-in, which `init` waits for too. */
  let verifying: Promise<void> | undefined

  // What the previous page load left in progress cannot finish any more.
  if (window.location.pathname === CALLBACK_PATH) {
    log.settleAll(
      'location.assign',
      { received: { at: CALLBACK_PATH }, note: 'The provider sent the browser back through /auth/callback.' },
      ['pending', 'failed'],
    )
  } else {
    log.settleAll('location.assign', { status: 'failed', note: 'Came back without finishing at the provider.' })
  }
  log.settleAll('auth.complete', { status: 'failed', note: 'The page was reloaded before the answer came.' })
  for (const action of ['auth.watch', 'auth.poll']) log.settleAll(action, { status: 'failed', note: 'The page was reloaded.' })

  /** The client's steps, into the inspector: recorded when they start, settled (same entry) when they end. */
  const entries = new Map<number, FlowStep>()
  const stops = [
    client.subscribe((next) => {
      state.value = next
    }),
    client.on('step', ({ id, at: _at, ...step }) => {
      const entry = entries.get(id)
      if (entry) log.settle(entry, step)
      else entries.set(id, log.record(step))
    }),
    client.on('signed-in', ({ via }) => {
      notice.value = undefined
      if (via === 'redirect' || via === 'cross-device') verifying = verify()
    }),
    client.on('signed-out', ({ reason }) => {
      verifiedAt.value = undefined
      if (reason === 'tab') notice.value = 'You signed out in another tab.'
    }),
  ]
  // Back from the provider with the browser's Back button: that step did not finish.
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted)
      log.settleAll('location.assign', { status: 'failed', note: 'Came back without finishing at the provider.' })
  }
  window.addEventListener('pageshow', onPageShow)
  onScopeDispose(() => {
    for (const stop of stops) stop()
    window.removeEventListener('pageshow', onPageShow)
  })

  const status = computed<AuthStatus>(() => {
    const { status: current, error } = state.value
    if (current === 'loading') return resuming ? 'completing' : 'idle'
    if (current === 'signed-out') return error ? 'error' : 'idle'
    return current
  })
  const failure = computed(() => (status.value === 'error' && state.value.error ? toFailure(state.value.error) : undefined))
  const user = computed(() => state.value.user)
  const isSignedIn = computed(() => status.value === 'signed-in')
  const providerName = computed(() => {
    const id = user.value?.provider
    return providers.value.find((p) => p.id === id)?.name ?? id
  })

  /** Loads the providers; the client itself was started by the plugin (before the router read the address). */
  function init(): Promise<void> {
    started ??= (async () => {
      void loadProviders()
      await client.init()
      await verifying
    })()
    return started
  }

  async function loadProviders(): Promise<void> {
    providersFailure.value = undefined
    try {
      providers.value = await client.providers()
      providersLoaded.value = true
    } catch (error) {
      providersFailure.value = { ...toFailure(error), retry: 'reload-providers' }
    }
  }

  async function signIn(providerId: string): Promise<void> {
    if (status.value === 'starting' || status.value === 'redirecting' || status.value === 'completing') return
    sessionStorage.setItem(LAST_PROVIDER_KEY, providerId)
    notice.value = undefined
    log.clear()
    await client.signIn(providerId).catch(() => undefined)
  }

  /** Step 4: `auth.me` with the access token. */
  async function verify(): Promise<void> {
    try {
      await client.me()
      verifiedAt.value = Date.now()
    } catch {
      // the inspector shows the refusal
    }
  }

  async function signOut(): Promise<void> {
    await client.signOut()
  }

  /** What "Try again" does for the failure on screen. */
  async function retry(): Promise<void> {
    const shown = failure.value
    client.clearError()
    if (shown?.retry === 'reload-providers') return loadProviders()
    // A login kept here that could not be refreshed (no connection): try that first.
    if (
      shown?.code === 'client:network' &&
      (await client.refresh().then(
        () => true,
        () => false,
      ))
    )
      return
    const provider = sessionStorage.getItem(LAST_PROVIDER_KEY)
    if (provider) return signIn(provider)
    if (!providersLoaded.value) return loadProviders()
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
    expiresAt: computed(() => state.value.expiresAt),
    lifetime: computed(() => state.value.lifetime),
    refreshCount: computed(() => state.value.refreshCount),
    /** DPoP (`jkt`: the tokens' `cnf.jkt`) or Bearer and why; undefined until the key is loaded. */
    binding: computed(() => state.value.binding),
    verifiedAt,
    steps: log.steps,
    clearSteps: log.clear,
    isSignedIn,
    init,
    /** Settles when step 4 after the latest sign-in (`auth.me`) has answered. */
    verified: () => verifying ?? Promise.resolve(),
    loadProviders,
    signIn,
    verify,
    refresh: () => client.refresh(),
    signOut,
    retry,
    dismiss: () => client.clearError(),
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useAuthStore, import.meta.hot))

import { computed, type ComputedRef } from 'vue'
import type {
  BoardingPassClient,
  BoardingPassError,
  BoardingPassStatus,
  CrossDeviceOptions,
  CrossDeviceSignIn,
  SignInOptions,
  SignOutScope,
  User,
} from '@boarding-pass/client'
import { injectBinding } from './binding.js'
import { safeReturnTo } from './return-to.js'

/** What {@link useBoardingPass} gives a component. Refs are read-only: change state through the actions. */
export interface UseBoardingPass {
  /** The client itself, for what the composable does not wrap (`fetch`, `sessions`, `on`, …). */
  client: BoardingPassClient
  status: ComputedRef<BoardingPassStatus>
  user: ComputedRef<User | undefined>
  error: ComputedRef<BoardingPassError | undefined>
  isSignedIn: ComputedRef<boolean>
  /** True until the login is restored or the callback finished, and while a sign-in is under way. */
  isLoading: ComputedRef<boolean>
  /** Epoch ms when the access token expires. */
  expiresAt: ComputedRef<number | undefined>
  /** Settles when the client has started (restore or callback done); resolves to the callback's `returnTo`, if any. */
  ready(): Promise<{ returnTo?: string }>
  /**
   * Off to the provider. `returnTo` defaults to this page's `?returnTo=` (set
   * by `requireSignIn`), kept only if it is a path of this app. A refusal does
   * not throw: it is in `error`.
   */
  signIn(provider: string, options?: SignInOptions): Promise<void>
  /** Ends the login (`scope` as `auth.logout`'s). A failure to reach the server still signs out here. */
  signOut(options?: { scope?: SignOutScope }): Promise<void>
  /** Waits for the callback this page was loaded with (the plugin started it at install). */
  handleCallback(): Promise<{ returnTo?: string }>
  /** Starts a sign-in a phone approves; see `<PhoneSignIn>`. */
  startCrossDevice(options?: CrossDeviceOptions): Promise<CrossDeviceSignIn>
  clearError(): void
}

/**
 * The signed-in user and the actions, as refs. Works in `setup()`, in Pinia
 * setup stores and in router guards; elsewhere it throws an error that says so
 * (use the plugin's `client` there).
 *
 * @example
 * ```ts
 * const { user, isSignedIn, signIn, signOut, error } = useBoardingPass()
 * ```
 */
export function useBoardingPass(): UseBoardingPass {
  const binding = injectBinding('useBoardingPass')
  const { client, state } = binding
  const status = computed(() => state.value.status)
  return {
    client,
    status,
    user: computed(() => state.value.user),
    error: computed(() => state.value.error),
    isSignedIn: computed(() => status.value === 'signed-in'),
    isLoading: computed(() => ['loading', 'starting', 'redirecting', 'completing'].includes(status.value)),
    expiresAt: computed(() => state.value.expiresAt),
    ready: () => binding.ready,
    async signIn(provider, options) {
      const returnTo = safeReturnTo(options?.returnTo ?? currentReturnTo())
      await client.signIn(provider, returnTo === undefined ? {} : { returnTo }).catch(() => undefined)
    },
    signOut: (options) => client.signOut(options).catch(() => undefined),
    handleCallback: () => binding.ready,
    startCrossDevice: (options) => client.startCrossDevice(options),
    clearError: () => client.clearError(),
  }
}

function currentReturnTo(): string | undefined {
  const location = globalThis.location as Location | undefined
  return location ? (new URLSearchParams(location.search).get('returnTo') ?? undefined) : undefined
}

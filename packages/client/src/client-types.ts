import type { Binding, DpopKeyStore } from './dpop.js'
import type { BoardingPassError } from './errors.js'
import type { BoardingPassStorage } from './storage.js'
import type { CrossDeviceStatus, Provider, Session, SignOutScope, User } from './types.js'
import type { StatusTransport } from './watch.js'

/** What {@link createBoardingPassClient} takes. */
export interface BoardingPassClientOptions {
  /** The Boarding Pass service (its PUBLIC_URL, or a same-origin path such as `/` in a browser behind a proxy). */
  url: string
  /** Where the provider leg returns (allow-listed in AUTH_REDIRECT_URIS). Default in a browser: `<origin>/callback`. */
  redirectUri?: string
  /** Where the refresh token and Client Codes wait. Default: sessionStorage in a browser, memory elsewhere. */
  storage?: BoardingPassStorage
  /** The fetch to use. Default: the platform's. */
  fetch?: typeof fetch
  /** Leaves for the provider's login page. Default in a browser: `location.assign`. Needed in Node to use `signIn`. */
  navigate?: (url: string) => void
  /** Prefix of storage keys, the BroadcastChannel and Web Lock names; two clients on one origin need two. Default `boarding-pass`. */
  storageKey?: string
  /**
   * Origins `client.fetch` (and the tRPC link) may send the access token to.
   * Default: this page's origin and Boarding Pass's. A request anywhere else
   * goes out without it, so a call to a third party never carries the token.
   */
  apiOrigins?: string[]
  /** Share the login and its refreshes with other tabs of this origin (BroadcastChannel, Web Locks). Default: true in a browser, false elsewhere. */
  tabSync?: boolean
  /**
   * DPoP (RFC 9449): tokens bound to a non-extractable key, a fresh proof on
   * every call. Default: on where IndexedDB and Web Crypto are (the key is kept
   * in IndexedDB, shared by tabs); `false` turns it off; a {@link DpopKeyStore}
   * (e.g. `memoryKeyStore()` in Node) keeps the key elsewhere.
   */
  dpop?: false | DpopKeyStore
}

/**
 * Where the client stands:
 * - `loading`: `init()` is restoring a login or finishing a callback;
 * - `signed-out`;
 * - `starting`: `auth.start` is in flight; `redirecting`: on the way to the provider;
 * - `completing`: redeeming both codes (`auth.complete`);
 * - `signed-in`.
 */
export type BoardingPassStatus = 'loading' | 'signed-out' | 'starting' | 'redirecting' | 'completing' | 'signed-in'

/** A snapshot of the client's state; a new object after every change. */
export interface BoardingPassState {
  readonly status: BoardingPassStatus
  readonly user: User | undefined
  /** The last failure, until the next sign-in starts or `clearError()`. */
  readonly error: BoardingPassError | undefined
  /** Epoch ms when the access token expires. */
  readonly expiresAt: number | undefined
  /** The access token's lifetime in ms. */
  readonly lifetime: number | undefined
  /** How many times the tokens were rotated (here or in another tab) since this client started. */
  readonly refreshCount: number
  /**
   * How tokens are bound: to this browser's DPoP key (`jkt`, the tokens'
   * `cnf.jkt`), or plain Bearer and why. Undefined until the key is loaded.
   */
  readonly binding: Binding | undefined
}

/** Why a refresh ran. */
export type RefreshCause = 'timer' | 'invalid_token' | 'expired' | 'restore' | 'manual'

/**
 * One step of a flow as it happens, for an inspector: emitted when it starts
 * (`pending`) and again, with the same `id`, when it settles. Every secret in
 * it is masked.
 */
export interface FlowStep {
  id: number
  /** Epoch ms. */
  at: number
  /** The step's number in the contract (0–4); none for session upkeep (refresh, tabs, sign-out). */
  stage?: number
  title: string
  /** The call or action, e.g. `auth.start`, `location.assign`, `BroadcastChannel`. */
  action: string
  status: 'pending' | 'done' | 'failed'
  sent?: Record<string, string>
  received?: Record<string, string>
  note?: string
}

/** Events {@link BoardingPassClient.on} delivers. */
export interface BoardingPassEvents {
  /** The state changed. */
  state: BoardingPassState
  /** A flow step started or settled. */
  step: FlowStep
  /** The tokens were rotated, here (`fromTab: false`) or by another tab sharing the login. */
  refresh: { cause: RefreshCause | 'tab'; fromTab: boolean; expiresAt: number }
  /** A login began here: by redirect, from another device, restored after a reload, or adopted from another tab. */
  'signed-in': { user: User; via: 'redirect' | 'cross-device' | 'restore' | 'tab' }
  /** The login ended: signed out here, in another tab, or ended by the server (`session_ended`). */
  'signed-out': { reason: 'user' | 'tab' | 'session_ended' }
  /** Something failed (also kept in `state.error` when it concerns sign-in). */
  error: BoardingPassError
}

/** What `signIn` and `startSignIn` take. */
export interface SignInOptions {
  /** Where to go after the callback (a path of the app); handed back by `handleCallback` and `init`. */
  returnTo?: string
}

/** A redirect flow started, before the browser leaves. */
export interface StartedSignIn {
  flowId: string
  authorizationUrl: string
  /** Epoch ms. */
  expiresAt: number
}

/** What finishing a callback gives. */
export interface CallbackResult {
  user: User
  returnTo: string | undefined
}

/** What `startCrossDevice` takes. */
export interface CrossDeviceOptions {
  /** The provider the phone signs in with; without it, the phone lets the user choose. */
  provider?: string
  /** What the phone shows as the device asking ("Living-room TV"). */
  deviceName?: string
  /** `auto` (default): the live stream, falling back to polling; `poll`: polling only. */
  transport?: 'auto' | 'poll'
  /**
   * "Continue as …?" before the login is kept (the mitigation RFC 10027 suggests
   * for a code someone else saw and approved with their own account). Called
   * once `auth.complete` has answered, with the user the phone signed in; until
   * it settles, the tokens are in memory only: not stored, not shared with other
   * tabs, and the client is not signed in, so a reload or a closed tab drops them
   * (and asks the server to end that login). `true` keeps the login; anything
   * else (`false`, a rejection, `cancel()`, `dispose()`) signs it out with
   * `auth.logout` and `result` rejects with `cross_device_refused`. Without this
   * option the login is kept at once.
   *
   * @example
   * ```ts
   * const flow = await client.startCrossDevice({
   *   confirm: (user) => window.confirm(`Continue as ${user.email ?? user.name ?? user.id}?`),
   * })
   * ```
   */
  confirm?: (user: User) => boolean | Promise<boolean>
}

/** A cross-device sign-in under way: show `userCode` and a QR code of `verificationUriComplete`, await `result`. */
export interface CrossDeviceSignIn {
  readonly flowId: string
  /** `XXXX-XXXX`, to type on the phone. */
  readonly userCode: string
  /** `{PUBLIC_URL}/link`. */
  readonly verificationUri: string
  /** `{PUBLIC_URL}/link?code=…`: what the QR code holds. */
  readonly verificationUriComplete: string
  /** Epoch ms. */
  readonly expiresAt: number
  /** Seconds between polls. */
  readonly interval: number
  readonly deviceName: string | undefined
  /** The latest status. */
  readonly status: CrossDeviceStatus
  /** How statuses arrive right now (undefined until the stream connects or polling starts). */
  readonly via: StatusTransport | undefined
  /** Called at every change of `status` or `via`. */
  onChange(listener: (flow: CrossDeviceSignIn) => void): () => void
  /**
   * The user, once approved, redeemed (and, with `confirm`, kept); rejects with `cross_device_denied`,
   * `cross_device_expired`, `cross_device_refused`, `cancelled` or a refusal.
   */
  readonly result: Promise<User>
  /** Gives the flow up (the server lets it expire); while `confirm` is asking, the same as answering no. */
  cancel(): void
}

/** The client. Make one per app with {@link createBoardingPassClient}. */
export interface BoardingPassClient {
  /** The current state (a new object after every change). */
  readonly state: BoardingPassState
  /** The Boarding Pass URL it talks to. */
  readonly url: string
  /** The redirect URI it sends in `auth.start`. */
  readonly redirectUri: string | undefined
  /**
   * Starts the client, once (later calls return the same promise): on the
   * redirect URI, takes the callback's codes off the address synchronously and
   * completes the flow; otherwise restores this tab's login (or takes a live one
   * from another tab). Never rejects: failures land in `state.error`.
   */
  init(): Promise<{ returnTo?: string }>
  /** Calls `listener` with every new state; returns the unsubscribe function. */
  subscribe(listener: (state: BoardingPassState) => void): () => void
  /** Listens to one kind of event; returns the unsubscribe function. */
  on<K extends keyof BoardingPassEvents>(event: K, listener: (payload: BoardingPassEvents[K]) => void): () => void
  /** `auth.providers`. */
  providers(): Promise<Provider[]>
  /** Steps 0–2: a Client Code, `auth.start`, and off to the provider. */
  signIn(provider: string, options?: SignInOptions): Promise<void>
  /** Steps 0–1 without leaving: for apps that open the provider themselves. */
  startSignIn(provider: string, options?: SignInOptions): Promise<StartedSignIn>
  /** Steps 2–3 for a callback URL (default: the page's address), which is cleaned synchronously. */
  handleCallback(url?: string): Promise<CallbackResult>
  /** v1.1: start a sign-in that a phone approves. */
  startCrossDevice(options?: CrossDeviceOptions): Promise<CrossDeviceSignIn>
  /** True when a cross-device sign-in this tab started is still waiting (after a reload, say); watches nothing. */
  hasPendingCrossDevice(): boolean
  /** The cross-device sign-in this tab was waiting on before a reload, watched again; undefined if none. */
  resumeCrossDevice(options?: Pick<CrossDeviceOptions, 'transport' | 'confirm'>): CrossDeviceSignIn | undefined
  /** A live access token (refreshed first when needed). Rejects with `not_signed_in` without a login. */
  getAccessToken(): Promise<string>
  /** `auth.me` with the access token (refreshed once on `invalid_token`). */
  me(): Promise<User>
  /** A fetch for the app's own API (`apiOrigins`): adds `Authorization`, refreshes once on a 401 `invalid_token`. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /** Rotates the tokens now (one refresh at a time, across calls and tabs). */
  refresh(): Promise<void>
  /** v1.2 `auth.sessions`: the user's live logins, newest first. */
  sessions(): Promise<Session[]>
  /** v1.2 `auth.revokeSession`: ends one login (this one too, if it is the current one). */
  revokeSession(sessionId: string): Promise<void>
  /** `auth.logout`: ends this login (`local`), every other one (`others`), or all (`global`). */
  signOut(options?: { scope?: SignOutScope }): Promise<void>
  /** Forgets `state.error`. */
  clearError(): void
  /** Stops timers, streams and tab sync; the client does nothing afterwards. */
  dispose(): void
}

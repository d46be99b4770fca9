import type { FlowStatus, HashMethod, User } from '@boarding-pass/shared'
import type { JWK } from 'jose'
import type { SealedKey } from '../tokens/key-encryption.js'

/** A login between the provider redirect and the provider's callback. Keyed by flowId. */
export interface FlowRecord {
  /** `redirect` (v1, the default) or `cross-device` (v1.1: approved on another device, no redirect). */
  mode?: 'redirect' | 'cross-device'
  provider: string
  clientCodeHash: string
  hashMethod: HashMethod
  /** Where the browser goes back to (redirect mode only). */
  redirectUri: string
  /**
   * Cross-device mode: the flow this provider leg approves. The leg has its own
   * id (the provider's `state`), because the approving browser sees the state and
   * must never learn the flowId that `auth.watch`/`auth.poll` answer to.
   */
  deviceFlowId?: string
  /** Towards the provider: OIDC nonce and PKCE code_verifier. */
  nonce: string
  pkceVerifier: string
  createdAt: number
  expiresAt: number
}

/** A Server Code waiting for its Client Code. Keyed by SHA-256 of the Server Code. */
export interface ServerCodeRecord {
  flowId: string
  clientCodeHash: string
  hashMethod: HashMethod
  user: User
  /** Cross-device: the name the waiting device gave itself (kept with the login it opens). */
  deviceName?: string
}

/** A signed-in login: alive while this record exists. Keyed by loginId (the token's `sid`). */
export interface LoginRecord {
  user: User
  createdAt: number
  /** When its refresh token was last rotated (ms); `createdAt` until then. */
  lastUsedAt?: number
  /** The User-Agent of the client that completed the login (shown in `auth.sessions`). */
  userAgent?: string
  /** The name the device gave itself when it started a cross-device flow. */
  deviceName?: string
}

/** One refresh token. Keyed by SHA-256 of the token; kept after it is spent, to detect reuse. */
export interface RefreshRecord {
  loginId: string
  spent: boolean
  /** v1.2: the DPoP key (RFC 7638 thumbprint) a proof must be signed with to spend it. */
  jkt?: string
}

/**
 * The signing keys every instance shares; the first is the one that signs. Each
 * private key is either `sealedPrivateJwk` (encrypted with AUTH_KEY_ENCRYPTION_KEY)
 * or, without that setting, `privateJwk` in clear.
 */
export interface KeySetRecord {
  keys: {
    kid: string
    alg: string
    privateJwk?: JWK
    sealedPrivateJwk?: SealedKey
    publicJwk: JWK
    createdAt: number
    retiredAt?: number
  }[]
}

/** A cross-device flow (v1.1), from `auth.start` until it is final. Keyed by flowId. */
export interface DeviceFlowRecord {
  clientCodeHash: string
  hashMethod: HashMethod
  /** The provider chosen at start, if any; otherwise the approving user picks one. */
  provider?: string
  deviceName?: string
  /** The starting device's browser and OS, as read from its User-Agent. */
  startedOn: string
  /** The starting device's network address (a proximity hint for the approver). */
  startIp: string
  createdAt: number
  expiresAt: number
  userCode: string
  status: FlowStatus
  /** Set when approved: what the waiting device redeems with its Client Code. */
  serverCode?: string
}

/** A user code: which flow it belongs to. Keyed by the normalised code. */
export interface UserCodeRecord {
  flowId: string
}

/** The confirmation screen's one-time token (CSRF and browser binding). Keyed by SHA-256 of the token. */
export interface LinkTokenRecord {
  flowId: string
}

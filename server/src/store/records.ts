import type { HashMethod, User } from '@boarding-pass/shared'
import type { JWK } from 'jose'

/** A login between step 1 and the provider's callback. Keyed by flowId. */
export interface FlowRecord {
  provider: string
  clientCodeHash: string
  hashMethod: HashMethod
  redirectUri: string
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
}

/** A signed-in login: alive while this record exists. Keyed by loginId (the token's `sid`). */
export interface LoginRecord {
  user: User
  createdAt: number
}

/** One refresh token. Keyed by SHA-256 of the token; kept after it is spent, to detect reuse. */
export interface RefreshRecord {
  loginId: string
  spent: boolean
}

/** The signing keys every instance shares; the first is the one that signs. */
export interface KeySetRecord {
  keys: { kid: string; alg: string; privateJwk: JWK; publicJwk: JWK; createdAt: number; retiredAt?: number }[]
}

/** The signed-in user, as the contract defines it: `id` is stable for the same provider account. */
export interface User {
  id: string
  provider: string
  name?: string
  email?: string
  picture?: string
}

/** A provider a user can sign in with (`auth.providers`). */
export interface Provider {
  id: string
  name: string
}

/** What `auth.complete` and `auth.refresh` answer. */
export interface TokenResponse {
  accessToken: string
  /** `Bearer` (v1), or `DPoP` for sender-constrained tokens (v1.2). */
  tokenType: string
  /** Seconds until the access token expires. */
  expiresIn: number
  refreshToken: string
  user: User
}

/** Where a cross-device flow stands (`auth.watch`, `auth.poll`). */
export type CrossDeviceStatus = 'pending' | 'opened' | 'approved' | 'denied' | 'expired'

/** One login of the user (v1.2 `auth.sessions`). */
export interface Session {
  id: string
  provider: string
  /** ISO 8601. */
  createdAt: string
  /** ISO 8601. */
  lastUsedAt: string
  /** True for the session this client is signed in with. */
  current: boolean
  deviceName?: string
  userAgent?: string
}

/** Which sessions `signOut` ends (v1.2 `auth.logout` scope): this one, every other one, or all. */
export type SignOutScope = 'local' | 'others' | 'global'

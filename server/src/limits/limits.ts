/**
 * The rate limits' names, defaults and setting format: what the settings parse
 * (AUTH_RATE_LIMIT_<NAME>), apart from the counters themselves
 * (`rate-limits.ts`), so reading the settings loads no store or limiter.
 */

/**
 * What is limited, and by what key, by default: generous enough for an office
 * behind one NAT address and a test suite on one machine, tight enough that
 * guessing or flooding from one address stops quickly. Each is a setting
 * (AUTH_RATE_LIMIT_<NAME>=N/S).
 */
export const LIMITS = {
  /** `auth.start` per client address. */
  start: { points: 100, duration: 60 },
  /** `auth.complete` per client address. */
  complete: { points: 60, duration: 60 },
  /** `auth.refresh` per client address. */
  refresh: { points: 120, duration: 60 },
  /**
   * Failed `auth.refresh` calls per client address. Never counted on the login
   * id a token names: that id is the public `sid` of every access token, and a
   * count anyone can spend on it locks its owner out (issue 13 item 3).
   */
  refreshFailure: { points: 20, duration: 60 },
  /** `GET /auth/callback` per client address. */
  callback: { points: 60, duration: 60 },
  /** `GET /auth/callback` per flow (its `state`). */
  callbackFlow: { points: 5, duration: 600 },
  /** User codes tried on `/link` per client address (brute force of user codes). */
  userCode: { points: 30, duration: 60 },
  /** `auth.watch` and `auth.poll` per client address. */
  status: { points: 300, duration: 60 },
  /** `auth.introspect` and `POST /oauth/introspect` per client address (a resource server calls it per request it serves). */
  introspect: { points: 600, duration: 60 },
  /** `auth.logout` and `POST /oauth/revoke` per client address. */
  revoke: { points: 60, duration: 60 },
} as const

export type LimitName = keyof typeof LIMITS

/** A limit as configured: `points` attempts per `duration` seconds. */
export interface LimitSetting {
  points: number
  duration: number
}

/** Parses `N/S` (N attempts per S seconds). */
export function parseLimit(value: string): LimitSetting | undefined {
  const match = /^(\d{1,7})\/(\d{1,6})s?$/.exec(value.trim())
  if (!match) return undefined
  const points = Number(match[1])
  const duration = Number(match[2])
  return points > 0 && duration > 0 ? { points, duration } : undefined
}

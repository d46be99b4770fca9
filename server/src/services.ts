import type { FlowEvents } from './flow/cross-device/events.js'
import type { RateLimits } from './limits/rate-limits.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics/index.js'
import type { ProviderRegistry } from './providers/registry.js'
import type { Settings } from './settings.js'
import type { Store } from './store/index.js'
import type { AccessTokens } from './tokens/access-token.js'
import type { KeyRing } from './tokens/key-ring.js'

/**
 * Everything a step of the flow needs, built once at start. Tests build it
 * directly (with their own clock and store) to call steps without HTTP.
 */
export interface Services {
  settings: Settings
  store: Store
  providers: ProviderRegistry
  keys: KeyRing
  accessTokens: AccessTokens
  limits: RateLimits
  /** Wakes cross-device watchers on every instance. */
  flowEvents: FlowEvents
  logger: Logger
  /** Prometheus instruments (exposed on METRICS_PORT when set; tests read them directly). */
  metrics: Metrics
  /** Milliseconds since the epoch; injected so expiry is tested without sleeping. */
  now: () => number
}

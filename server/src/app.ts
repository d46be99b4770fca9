import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DestinationStream } from 'pino'
import { FlowEvents } from './flow/cross-device/events.js'
import { createRequestHandler } from './http/server.js'
import { RateLimits } from './limits/rate-limits.js'
import { createLogger, type Logger } from './logger.js'
import { createMetrics } from './metrics/index.js'
import { serveMetricsToPrimary, startMetricsServer, workerOfMany, type MetricsServer } from './metrics/server.js'
import { OidcProvider } from './providers/oidc.js'
import { createProviders } from './providers/registry.js'
import type { Services } from './services.js'
import { DEV_PROVIDER_ID, SettingsError, type Settings } from './settings.js'
import { createStore } from './store/index.js'
import { AccessTokens } from './tokens/access-token.js'
import { KeyEncryption, KeyEncryptionError } from './tokens/key-encryption.js'
import { KeyRing } from './tokens/key-ring.js'
import { randomSecret } from './tokens/secrets.js'

/** A running Boarding Pass. */
export interface App {
  services: Services
  server: Server
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  address: string
  /** Where `GET /metrics` answers, e.g. `http://127.0.0.1:9464`, when METRICS_PORT is set. */
  metricsAddress?: string
  close(): Promise<void>
}

export interface AppOptions {
  /** Where log lines go (stdout by default). */
  logDestination?: DestinationStream
  logger?: Logger
  now?: () => number
  /** How often to re-read the shared signing keys and check rotation (default 60 s; tests use less). */
  keyCheckIntervalMs?: number
}

/** How often an instance re-reads the shared signing keys and checks whether they are due to rotate. */
const KEY_CHECK_INTERVAL_MS = 60_000

/** How long `close()` lets requests in flight finish before cutting the remaining connections. */
const DRAIN_GRACE_MS = 5_000

/**
 * Builds the services from settings and starts listening. Everything slow
 * (store connection, key import, provider discovery) happens here, once, and
 * not per request.
 */
export async function startApp(settings: Settings, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(settings.logLevel, options.logDestination)
  const now = options.now ?? Date.now
  const metrics = createMetrics({ processMetrics: settings.metricsPort !== undefined })
  const store = await createStore({
    redisUrl: settings.redisUrl,
    redisClusterNodes: settings.redisClusterNodes,
    maxPendingFlows: settings.maxPendingFlows,
    maxLogins: settings.maxLogins,
    observe: (table, op, seconds, failed) => {
      metrics.storeLatency.observe({ table, op }, seconds)
      if (failed) metrics.storeErrors.inc({ table, op })
    },
  })

  const keys = new KeyRing(store, {
    alg: settings.signingAlg,
    rotation: settings.signingKeyRotation,
    accessTokenTtl: settings.accessTokenTtl,
    now,
    encryption: settings.keyEncryption && new KeyEncryption(settings.keyEncryption.current, settings.keyEncryption.previous),
    onRotation: () => metrics.keyRotations.inc(),
  })
  if (store.kind === 'redis' && !settings.keyEncryption) {
    logger.warn(
      'AUTH_KEY_ENCRYPTION_KEY is not set: the private signing keys are kept in Redis in clear, so whoever can read ' +
        'Redis (a replica, a backup) can mint tokens. Allowed outside production only; see docs/deploy.md (Key encryption).',
    )
  }
  // With Redis down at start, keys load in the background: until then signing
  // refuses as store_unavailable, and the service recovers by itself. Keys that
  // cannot be opened with AUTH_KEY_ENCRYPTION_KEY stop the start: no retry helps.
  let keysReady: boolean
  try {
    await keys.init()
    keysReady = true
  } catch (error) {
    if (error instanceof KeyEncryptionError) {
      await store.close()
      throw new SettingsError([{ variable: error.variable, message: error.message }])
    }
    logger.warn({ err: error }, 'signing keys not loaded yet (store unavailable); retrying')
    keysReady = false
  }
  const accessTokens = new AccessTokens(keys, {
    issuer: settings.publicUrl,
    audience: settings.audience,
    clientId: settings.clientId,
    ttl: settings.accessTokenTtl,
    now,
  })

  const devClient = {
    clientId: 'boarding-pass-dev',
    clientSecret: randomSecret(32),
    redirectUris: [`${settings.publicUrl}/auth/callback`],
  }
  // Loaded only when it runs: production never imports the development provider.
  const devProvider = settings.devProvider
    ? (await import('./dev-provider/index.js')).createDevProvider({
        issuer: `${settings.publicUrl}/dev-idp`,
        clients: [devClient],
      })
    : undefined
  const providers = createProviders(
    settings,
    devProvider
      ? [
          new OidcProvider({
            id: DEV_PROVIDER_ID,
            name: 'Development sign-in',
            issuer: devProvider.issuer,
            clientId: devClient.clientId,
            clientSecret: devClient.clientSecret,
            scopes: ['openid', 'profile', 'email'],
            redirectUri: `${settings.publicUrl}/auth/callback`,
          }),
        ]
      : [],
  )

  const limits = new RateLimits(
    store,
    settings.rateLimits,
    (name) => metrics.rateLimited.inc({ limiter: name }),
    (op) => metrics.storeErrors.inc({ table: 'rl', op }),
  )
  const flowEvents = new FlowEvents(logger)
  if (store.redisClient) await flowEvents.useRedis(store.redisClient)
  const services: Services = { settings, store, providers, keys, accessTokens, limits, flowEvents, logger, metrics, now }
  let draining = false
  const server = createServer(
    { requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 },
    createRequestHandler(services, { devProvider, webRoot: settings.webRoot, isDraining: () => draining }),
  )
  server.keepAliveTimeout = 5_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const address = `http://${host}:${port}`
  let metricsServer: MetricsServer | undefined
  if (settings.metricsPort !== undefined && workerOfMany(settings)) {
    // Under WEB_CONCURRENCY the primary serves METRICS_PORT, summing every worker's registry (main.ts).
    serveMetricsToPrimary(metrics.registry)
  } else if (settings.metricsPort !== undefined) {
    metricsServer = await startMetricsServer(metrics.registry, { host: settings.host, port: settings.metricsPort }).catch(
      async (error: unknown) => {
        // Not started after all: release the public port and the store before failing.
        await new Promise((resolve) => server.close(resolve))
        await flowEvents.close()
        await store.close()
        throw new Error(`METRICS_PORT ${settings.metricsPort}: ${error instanceof Error ? error.message : String(error)}`)
      },
    )
  }

  void providers.warmUp((id, error) =>
    logger.warn({ provider: id, err: error }, 'provider discovery failed; retried on first use'),
  )
  const keyTimer = setInterval(() => {
    keys
      .refresh()
      .then(() => keys.rotateIfDue())
      .catch((error: unknown) => logger.warn({ err: error }, 'signing keys not refreshed'))
  }, options.keyCheckIntervalMs ?? KEY_CHECK_INTERVAL_MS)
  keyTimer.unref()
  let keyErrorLogged = false
  const keyRetry = setInterval(() => {
    if (keysReady) return clearInterval(keyRetry)
    keys.init().then(
      () => {
        keysReady = true
        logger.info('signing keys loaded')
      },
      (error: unknown) => {
        // Redis came back holding keys this instance cannot open: say so once, and keep refusing to sign.
        if (error instanceof KeyEncryptionError && !keyErrorLogged) {
          keyErrorLogged = true
          logger.error({ variable: error.variable }, error.message)
        }
      },
    )
  }, 1_000)
  keyRetry.unref()

  logger.info(
    { address, publicUrl: settings.publicUrl, store: store.kind, providers: providers.list().map((p) => p.id) },
    'boarding pass listening',
  )

  return {
    services,
    server,
    address,
    metricsAddress: metricsServer?.address,
    /** Stops taking connections, lets requests in flight finish, then closes the store. */
    async close() {
      draining = true
      clearInterval(keyTimer)
      clearInterval(keyRetry)
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        // Long-lived streams (auth.watch) are not "in flight": end them after a short grace.
        setTimeout(() => server.closeAllConnections(), DRAIN_GRACE_MS).unref()
      })
      await metricsServer?.close()
      await flowEvents.close()
      await store.close()
    },
  }
}

import { z } from 'zod'
import { LIMITS, parseLimit, type LimitName, type LimitSetting } from './limits/limits.js'
import { decodeKeyEncryptionKey } from './tokens/key-encryption.js'

/** The id the built-in development provider is listed under. */
export const DEV_PROVIDER_ID = 'dev'

/** A provider configured through `AUTH_<ID>_*`. */
export interface ProviderSettings {
  id: string
  kind: 'oidc' | 'google' | 'github'
  name: string
  /** OIDC issuer (generic OIDC and google). */
  issuer?: string
  clientId: string
  clientSecret: string
  scopes: string[]
  /** How the client authenticates at the token endpoint; unset: client_secret_basic unless the provider offers only post. */
  tokenAuthMethod?: 'client_secret_basic' | 'client_secret_post'
  /** github only: web and API base URLs (GitHub Enterprise Server, or a test double). */
  githubUrl?: string
  githubApiUrl?: string
}

/** Everything the service reads from its environment, parsed once at start. */
export interface Settings {
  port: number
  host: string
  publicUrl: string
  production: boolean
  logLevel: string
  redisUrl?: string
  /** REDIS_CLUSTER_NODES: seed nodes (`redis://host:port`) of one Redis Cluster, used instead of REDIS_URL. */
  redisClusterNodes?: string[]
  /** WEB_CONCURRENCY: how many worker processes `main.ts` runs on one port (default 1). */
  webConcurrency: number
  redirectUris: string[]
  /** Empty when the built-in development provider is used. */
  providers: ProviderSettings[]
  devProvider: boolean
  audience: string
  /** RFC 9068 `client_id` of every access token: the app tokens are issued to (`AUTH_CLIENT_ID`, default PUBLIC_URL). */
  clientId: string
  signingAlg: 'EdDSA' | 'ES256'
  /** Seconds. */
  serverCodeTtl: number
  flowTtl: number
  accessTokenTtl: number
  refreshTokenTtl: number
  signingKeyRotation: number
  /** Seconds a cross-device flow (v1.1) waits for approval. */
  crossDeviceTtl: number
  /** Most pending flows (and unredeemed Server Codes) the in-process store holds. */
  maxPendingFlows: number
  /** Most signed-in logins the in-process store holds; past it new logins are refused (`store_unavailable`). */
  maxLogins: number
  /** Directory of the built SPA; unset: nothing served besides the API. */
  webRoot?: string
  /** Browser origins allowed to call the API cross-origin (CORS). */
  corsOrigins: string[]
  /** How many reverse proxies in front set X-Forwarded-For (0: use the socket's address). */
  trustProxyHops: number
  rateLimits: { enabled: boolean; overrides: Partial<Record<LimitName, LimitSetting>> }
  /** Single queries and mutations skip tRPC's generic adapter (same bytes on the wire); off only to compare the two. */
  fastPath: boolean
  /**
   * Seals the private signing keys in the store (`AUTH_KEY_ENCRYPTION_KEY`, 32 bytes);
   * `previous` (`AUTH_KEY_ENCRYPTION_KEY_PREVIOUS`) only opens keys while the encryption key is rotated.
   */
  keyEncryption?: { current: Buffer; previous?: Buffer }
  /** Port of the Prometheus `/metrics` listener (on HOST, never the public port); unset: no metrics listener. */
  metricsPort?: number
}

/** A setting that is missing or malformed: names the variable and why. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError'
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`invalid settings:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`)
  }
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/

const seconds = (fallback: number, max: number) =>
  z.coerce
    .number()
    .int('must be a whole number of seconds')
    .positive('must be positive')
    .max(max, `must be at most ${max}`)
    .default(fallback)

const httpUrl = z
  .string()
  .url('must be an absolute URL')
  .refine((value) => {
    try {
      return /^https?:$/.test(new URL(value).protocol)
    } catch {
      return false
    }
  }, 'must be an http(s) URL')

const baseSchema = z.object({
  // `PORT=` must not coerce to 0 (a random port): a port is digits.
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number')
    .transform(Number)
    .pipe(z.number().max(65535, 'must be at most 65535'))
    .default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: httpUrl.optional(),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z
    .string()
    .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_CLUSTER_NODES: z.string().optional(),
  WEB_CONCURRENCY: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number of worker processes')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(256, 'must be at most 256'))
    .default(1),
  AUTH_REDIRECT_URIS: z.string().optional(),
  AUTH_PROVIDERS: z.string().optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_CLIENT_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters (no spaces)')
    .optional(),
  AUTH_SIGNING_ALG: z.enum(['EdDSA', 'ES256']).default('EdDSA'),
  AUTH_SERVER_CODE_TTL: seconds(60, 120),
  AUTH_FLOW_TTL: seconds(600, 3600),
  AUTH_ACCESS_TOKEN_TTL: seconds(900, 86_400),
  AUTH_REFRESH_TOKEN_TTL: seconds(30 * 86_400, 365 * 86_400),
  AUTH_SIGNING_KEY_ROTATION: seconds(7 * 86_400, 365 * 86_400),
  AUTH_CROSS_DEVICE_TTL: seconds(300, 600),
  AUTH_MAX_PENDING_FLOWS: z.coerce.number().int().min(100).max(10_000_000).default(100_000),
  AUTH_MAX_LOGINS: z.coerce.number().int().min(10).max(10_000_000).default(100_000),
  WEB_ROOT: z.string().optional(),
  AUTH_CORS_ORIGINS: z.string().optional(),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  AUTH_RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  TRPC_FAST_PATH: z.enum(['on', 'off']).default('on'),
  AUTH_KEY_ENCRYPTION_KEY: z.string().optional(),
  AUTH_KEY_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  METRICS_PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number')
    .transform(Number)
    .pipe(z.number().max(65535, 'must be at most 65535'))
    .optional(),
})

/** How to make a key-encryption key, for the error that asks for one. */
const MAKE_KEY = `node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`

/**
 * Parses the environment into {@link Settings}. Throws {@link SettingsError}
 * naming every variable that is wrong; it never echoes a secret's value.
 */
export function parseSettings(env: Record<string, string | undefined>): Settings {
  const problems: { variable: string; message: string }[] = []
  const parsed = baseSchema.safeParse(env)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ variable: String(issue.path[0] ?? '?'), message: issue.message })
    }
    throw new SettingsError(problems)
  }
  const base = parsed.data
  const production = base.NODE_ENV === 'production'
  const publicUrl = (base.PUBLIC_URL ?? `http://localhost:${base.PORT}`).replace(/\/+$/, '')

  const redirectUris = (base.AUTH_REDIRECT_URIS ?? `${publicUrl}/callback`)
    .split(',')
    .map((uri) => uri.trim())
    .filter(Boolean)
  for (const uri of redirectUris) {
    const problem = checkRedirectUri(uri)
    if (problem) problems.push({ variable: 'AUTH_REDIRECT_URIS', message: `${JSON.stringify(uri)} ${problem}` })
  }
  if (redirectUris.length === 0) problems.push({ variable: 'AUTH_REDIRECT_URIS', message: 'lists no URI' })

  const providerIds = (base.AUTH_PROVIDERS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean)
  const providers: ProviderSettings[] = []
  const seen = new Set<string>()
  for (const id of providerIds) {
    if (!PROVIDER_ID.test(id)) {
      problems.push({ variable: 'AUTH_PROVIDERS', message: `${JSON.stringify(id)} is not a provider id (a-z, 0-9, - and _)` })
      continue
    }
    if (seen.has(id) || id === DEV_PROVIDER_ID) {
      const why = seen.has(id) ? 'is listed twice' : 'is reserved for the built-in development provider'
      problems.push({ variable: 'AUTH_PROVIDERS', message: `${JSON.stringify(id)} ${why}` })
      continue
    }
    seen.add(id)
    const provider = parseProvider(id, env, problems, production)
    if (provider) providers.push(provider)
  }
  const devProvider = providerIds.length === 0
  if (devProvider && production) {
    problems.push({
      variable: 'AUTH_PROVIDERS',
      message: 'is required when NODE_ENV=production (the development provider never runs in production)',
    })
  }
  if (base.METRICS_PORT !== undefined && base.METRICS_PORT === base.PORT && base.PORT !== 0) {
    problems.push({ variable: 'METRICS_PORT', message: 'must differ from PORT (metrics are never on the public port)' })
  }
  if (production && !publicUrl.startsWith('https://')) {
    problems.push({ variable: 'PUBLIC_URL', message: 'must be https:// when NODE_ENV=production' })
  }
  const corsOrigins = (base.AUTH_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/?#\s]+$/.test(origin) || origin.includes('*')) {
      problems.push({
        variable: 'AUTH_CORS_ORIGINS',
        message: `${JSON.stringify(origin)} is not an origin like https://app.example.com`,
      })
    }
  }

  const redisClusterNodes = parseClusterNodes(base, problems)
  const sharedStore = base.REDIS_URL ? 'REDIS_URL' : redisClusterNodes ? 'REDIS_CLUSTER_NODES' : undefined
  const keyEncryption = parseKeyEncryption(base, production, problems, sharedStore)
  if (base.WEB_CONCURRENCY > 1 && devProvider) {
    problems.push({
      variable: 'WEB_CONCURRENCY',
      message:
        'above 1 needs AUTH_PROVIDERS: the built-in development provider keeps its sign-ins in one process (a login begun on one worker would be unknown to the next)',
    })
  } else if (base.WEB_CONCURRENCY > 1 && !base.REDIS_URL && !redisClusterNodes) {
    problems.push({
      variable: 'WEB_CONCURRENCY',
      message:
        'above 1 needs REDIS_URL or REDIS_CLUSTER_NODES: the in-process store is per worker (a flow started on one worker would be unknown to the next)',
    })
  }

  const overrides: Partial<Record<LimitName, LimitSetting>> = {}
  for (const name of Object.keys(LIMITS) as LimitName[]) {
    const variable = `AUTH_RATE_LIMIT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`
    const value = env[variable]
    if (value === undefined) continue
    const limit = parseLimit(value)
    if (limit) overrides[name] = limit
    else problems.push({ variable, message: 'must be N/S: N attempts per S seconds, e.g. 30/60' })
  }
  if (problems.length > 0) throw new SettingsError(problems)

  return {
    port: base.PORT,
    host: base.HOST,
    publicUrl,
    production,
    logLevel: base.LOG_LEVEL,
    redisUrl: base.REDIS_URL,
    redisClusterNodes,
    webConcurrency: base.WEB_CONCURRENCY,
    redirectUris,
    providers,
    devProvider,
    audience: base.AUTH_AUDIENCE ?? publicUrl,
    clientId: base.AUTH_CLIENT_ID ?? publicUrl,
    signingAlg: base.AUTH_SIGNING_ALG,
    serverCodeTtl: base.AUTH_SERVER_CODE_TTL,
    flowTtl: base.AUTH_FLOW_TTL,
    accessTokenTtl: base.AUTH_ACCESS_TOKEN_TTL,
    refreshTokenTtl: base.AUTH_REFRESH_TOKEN_TTL,
    signingKeyRotation: base.AUTH_SIGNING_KEY_ROTATION,
    crossDeviceTtl: base.AUTH_CROSS_DEVICE_TTL,
    maxPendingFlows: base.AUTH_MAX_PENDING_FLOWS,
    maxLogins: base.AUTH_MAX_LOGINS,
    webRoot: base.WEB_ROOT,
    corsOrigins,
    trustProxyHops: base.TRUST_PROXY_HOPS,
    rateLimits: { enabled: base.AUTH_RATE_LIMITS === 'on', overrides },
    fastPath: base.TRPC_FAST_PATH === 'on',
    keyEncryption,
    metricsPort: base.METRICS_PORT,
  }
}

/**
 * REDIS_CLUSTER_NODES: comma-separated `redis://host:port` seeds of one Redis
 * Cluster (contract v1.2). Exclusive with REDIS_URL: one store, named once.
 */
function parseClusterNodes(
  base: { REDIS_URL?: string; REDIS_CLUSTER_NODES?: string },
  problems: { variable: string; message: string }[],
): string[] | undefined {
  if (base.REDIS_CLUSTER_NODES === undefined) return undefined
  const nodes = base.REDIS_CLUSTER_NODES.split(',')
    .map((node) => node.trim())
    .filter(Boolean)
  if (base.REDIS_URL !== undefined) {
    problems.push({
      variable: 'REDIS_CLUSTER_NODES',
      message: 'and REDIS_URL are both set: set REDIS_URL for one Redis or REDIS_CLUSTER_NODES for a Redis Cluster, not both',
    })
  }
  if (nodes.length === 0) problems.push({ variable: 'REDIS_CLUSTER_NODES', message: 'lists no node' })
  for (const node of nodes) {
    if (!/^rediss?:\/\/[^/?#\s]+:\d{1,5}\/?$/.test(node)) {
      problems.push({ variable: 'REDIS_CLUSTER_NODES', message: `${JSON.stringify(node)} is not like redis://host:port` })
    }
  }
  return nodes.length > 0 ? nodes : undefined
}

/**
 * AUTH_KEY_ENCRYPTION_KEY and its rotation partner. Required in production with
 * a shared store: whoever reads the store (a replica, a backup) must not be able
 * to mint tokens. Values are never echoed.
 */
function parseKeyEncryption(
  base: { AUTH_KEY_ENCRYPTION_KEY?: string; AUTH_KEY_ENCRYPTION_KEY_PREVIOUS?: string },
  production: boolean,
  problems: { variable: string; message: string }[],
  /** The setting that names a shared store (REDIS_URL, REDIS_CLUSTER_NODES), if any. */
  sharedStore: string | undefined,
): Settings['keyEncryption'] {
  const shape = `must be 32 random bytes as base64url (43 characters); make one with: ${MAKE_KEY}`
  const currentText = base.AUTH_KEY_ENCRYPTION_KEY?.trim() || undefined
  const previousText = base.AUTH_KEY_ENCRYPTION_KEY_PREVIOUS?.trim() || undefined
  const current = currentText ? decodeKeyEncryptionKey(currentText) : undefined
  const previous = previousText ? decodeKeyEncryptionKey(previousText) : undefined
  if (currentText && !current) problems.push({ variable: 'AUTH_KEY_ENCRYPTION_KEY', message: shape })
  if (previousText && !previous) problems.push({ variable: 'AUTH_KEY_ENCRYPTION_KEY_PREVIOUS', message: shape })
  if (previousText && !currentText) {
    problems.push({ variable: 'AUTH_KEY_ENCRYPTION_KEY_PREVIOUS', message: 'is only read beside AUTH_KEY_ENCRYPTION_KEY' })
  }
  if (!currentText && production && sharedStore) {
    problems.push({
      variable: 'AUTH_KEY_ENCRYPTION_KEY',
      message: `is required when NODE_ENV=production with ${sharedStore} (the signing keys are kept there); ${shape}`,
    })
  }
  return current ? { current, previous } : undefined
}

function parseProvider(
  id: string,
  env: Record<string, string | undefined>,
  problems: { variable: string; message: string }[],
  production: boolean,
): ProviderSettings | undefined {
  const prefix = `AUTH_${id.toUpperCase().replace(/-/g, '_')}_`
  const read = (name: string) => env[prefix + name]?.trim() || undefined
  const kind = id === 'github' ? 'github' : id === 'google' ? 'google' : 'oidc'
  const clientId = read('ID')
  const clientSecret = read('SECRET')
  if (!clientId) problems.push({ variable: `${prefix}ID`, message: 'is required' })
  if (!clientSecret) problems.push({ variable: `${prefix}SECRET`, message: 'is required' })

  let issuer = read('ISSUER')
  if (kind === 'google') issuer ??= 'https://accounts.google.com'
  if (kind === 'oidc' && !issuer)
    problems.push({ variable: `${prefix}ISSUER`, message: 'is required for an OpenID Connect provider' })
  for (const name of ['ISSUER', 'URL', 'API_URL'] as const) {
    const value = name === 'ISSUER' ? issuer : read(name)
    if (value && !httpUrl.safeParse(value).success) {
      problems.push({ variable: `${prefix}${name}`, message: 'must be an absolute http(s) URL' })
    } else if (value && production && value.startsWith('http:') && !isLoopbackUrl(value)) {
      // The client secret, the code and the user's tokens would cross the network in clear.
      problems.push({
        variable: `${prefix}${name}`,
        message: 'must be https:// when NODE_ENV=production (plain http only for a loopback host)',
      })
    }
  }
  const tokenAuthMethod = read('TOKEN_AUTH_METHOD')
  if (tokenAuthMethod && tokenAuthMethod !== 'client_secret_basic' && tokenAuthMethod !== 'client_secret_post') {
    problems.push({ variable: `${prefix}TOKEN_AUTH_METHOD`, message: 'must be client_secret_basic or client_secret_post' })
  }
  if (!clientId || !clientSecret || (kind === 'oidc' && !issuer)) return undefined

  const defaultScopes = kind === 'github' ? 'read:user user:email' : 'openid profile email'
  const scopes = (read('SCOPES') ?? defaultScopes).split(/[\s,]+/).filter(Boolean)
  if (kind !== 'github' && !scopes.includes('openid')) scopes.unshift('openid')
  const defaultName = kind === 'github' ? 'GitHub' : kind === 'google' ? 'Google' : id
  return {
    id,
    kind,
    name: read('NAME') ?? defaultName,
    issuer,
    clientId,
    clientSecret,
    scopes,
    tokenAuthMethod: tokenAuthMethod as ProviderSettings['tokenAuthMethod'],
    githubUrl: kind === 'github' ? (read('URL') ?? 'https://github.com').replace(/\/+$/, '') : undefined,
    githubApiUrl: kind === 'github' ? (read('API_URL') ?? 'https://api.github.com').replace(/\/+$/, '') : undefined,
  }
}

/** True for a URL whose host is this machine: 127.0.0.0/8, [::1] or localhost. */
export function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname
    return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
  } catch {
    return false
  }
}

/**
 * Why an allow-list entry cannot be a redirect URI, or undefined when it can:
 * absolute, no fragment, and https except for loopback hosts and private-use
 * schemes (RFC 8252).
 */
function checkRedirectUri(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return 'is not an absolute URI'
  }
  if (url.hash) return 'must not have a fragment'
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:') {
    return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) ? undefined : 'must use https (http only for loopback)'
  }
  if (/^(javascript|data|file|vbscript|blob|about|ftp|ws|wss):$/.test(url.protocol))
    return 'has a scheme that cannot be a redirect'
  return url.protocol.includes('.') ? undefined : 'must use https, loopback http, or a private-use scheme like com.example.app:'
}

import { inject } from 'vitest'
import { startBoardingPass, type StartOptions, type TestInstance } from './boarding-pass.js'
import { freePort } from './ports.js'
import { startThirdPartyProvider, type ThirdPartyProvider } from './third-party-provider.js'

/**
 * One Boarding Pass service as deployed: a third-party OpenID provider
 * (`acme`, a separate real `oidc-provider`), and one or more instances sharing
 * the suite's real Redis and one PUBLIC_URL. The first instance listens on
 * PUBLIC_URL's port, so the provider's redirects reach it.
 */
export interface Service {
  idp: ThirdPartyProvider
  publicUrl: string
  /** The allowed redirect URI the flows in tests use: `{PUBLIC_URL}/callback`. */
  redirectUri: string
  instances: TestInstance[]
  /** The first instance. */
  bp: TestInstance
  close(): Promise<void>
}

export interface ServiceOptions {
  /** How many instances (default 1). */
  instances?: number
  /** More environment for every instance (TTLs, AUTH_REDIRECT_URIS, …), or a function of PUBLIC_URL making it. */
  env?: Record<string, string | undefined> | ((publicUrl: string) => Record<string, string | undefined>)
  /** Passed to every instance's `startApp`. */
  options?: StartOptions
  /** How the provider's client must authenticate at its token endpoint. */
  tokenAuthMethod?: 'client_secret_basic' | 'client_secret_post'
  /** What the provider's `email_verified` claim says (default true). */
  emailVerified?: boolean
}

/**
 * The suite's shared store as settings: `REDIS_CLUSTER_NODES` in the `cluster`
 * project (a real 6-node Redis Cluster), `REDIS_URL` everywhere else.
 */
export function sharedStoreEnv(): { REDIS_URL: string } | { REDIS_CLUSTER_NODES: string } {
  const nodes = inject('redisClusterNodes')
  return nodes ? { REDIS_CLUSTER_NODES: nodes } : { REDIS_URL: inject('redisUrl') }
}

export async function startService(options: ServiceOptions = {}): Promise<Service> {
  const port = await freePort()
  const publicUrl = `http://localhost:${port}`
  const idp = await startThirdPartyProvider({
    redirectUris: [`${publicUrl}/auth/callback`],
    tokenAuthMethod: options.tokenAuthMethod,
    emailVerified: options.emailVerified,
  })
  const env = {
    ...sharedStoreEnv(),
    PUBLIC_URL: publicUrl,
    AUTH_PROVIDERS: 'acme',
    AUTH_ACME_ISSUER: idp.issuer,
    AUTH_ACME_ID: idp.clientId,
    AUTH_ACME_SECRET: idp.clientSecret,
    AUTH_ACME_NAME: 'Acme ID',
    // Every test calls from 127.0.0.1, and limits are counted in the shared Redis: a file that tests them turns them on.
    AUTH_RATE_LIMITS: 'off',
    ...(typeof options.env === 'function' ? options.env(publicUrl) : options.env),
  }
  // All at once (the shared signing keys are made by whichever wins, as in a real roll-out): a start in
  // the web-concurrency project is a whole program's.
  const starts = await Promise.allSettled(
    Array.from({ length: options.instances ?? 1 }, (_, i) => startBoardingPass(env, i === 0 ? port : undefined, options.options)),
  )
  const instances = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []))
  const failed = starts.find((start): start is PromiseRejectedResult => start.status === 'rejected')
  if (failed) {
    await Promise.all(instances.map((instance) => instance.close()))
    await idp.close()
    throw failed.reason
  }
  return {
    idp,
    publicUrl,
    redirectUri: `${publicUrl}/callback`,
    instances,
    bp: instances[0]!,
    async close() {
      await Promise.all(instances.map((instance) => instance.close()))
      await idp.close()
    },
  }
}

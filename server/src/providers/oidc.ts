import * as client from 'openid-client'
import type { User } from '@boarding-pass/shared'
import type { IdentityProvider, ProviderChecks } from './identity-provider.js'
import { toProviderLoginError } from './openid-errors.js'

export interface OidcProviderOptions {
  id: string
  name: string
  issuer: string
  clientId: string
  clientSecret: string
  scopes: string[]
  redirectUri: string
  /** Forces the token endpoint's client authentication; unset: basic unless the provider offers only post. */
  tokenAuthMethod?: 'client_secret_basic' | 'client_secret_post'
  /** Rewrites server-to-server requests (the built-in provider is reached on the bind address). */
  fetch?: typeof fetch
}

/**
 * Any OpenID Connect provider, by discovery. Discovery runs once and is cached;
 * when it fails it is retried on the next use, so a provider that was down at
 * start does not need a restart.
 */
export class OidcProvider implements IdentityProvider {
  readonly id: string
  readonly name: string
  private config: Promise<client.Configuration> | undefined

  constructor(private readonly options: OidcProviderOptions) {
    this.id = options.id
    this.name = options.name
  }

  /** Discovers the provider's metadata (once; retried after a failure). */
  configuration(): Promise<client.Configuration> {
    this.config ??= this.discover().catch((error: unknown) => {
      this.config = undefined
      throw error
    })
    return this.config
  }

  async authorizationUrl(params: { state: string; nonce: string; pkceChallenge: string }): Promise<URL> {
    const config = await this.configuration()
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.scopes.join(' '),
      state: params.state,
      nonce: params.nonce,
      code_challenge: params.pkceChallenge,
      code_challenge_method: 'S256',
    })
  }

  async finish(callbackUrl: URL, checks: ProviderChecks): Promise<User> {
    try {
      const config = await this.configuration()
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.pkceVerifier,
        idTokenExpected: true,
      })
      const claims = tokens.claims()
      if (!claims) throw new Error('no ID token')
      let profile: Record<string, unknown> = claims
      if (profile.name === undefined && profile.email === undefined && config.serverMetadata().userinfo_endpoint) {
        profile = { ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims }
      }
      return toUser(this.id, claims.sub, profile)
    } catch (error) {
      throw toProviderLoginError(error)
    }
  }

  private async discover(): Promise<client.Configuration> {
    const issuer = new URL(this.options.issuer)
    const insecure = issuer.protocol === 'http:'
    const { clientId, clientSecret } = this.options
    let config = await client.discovery(issuer, clientId, undefined, client.ClientSecretBasic(clientSecret), {
      execute: insecure ? [client.allowInsecureRequests] : [],
      timeout: 10,
    })
    // client_secret_basic is what a client registered without saying otherwise uses (OIDC
    // Core §9, RFC 6749 §2.3.1); client_secret_post only when the provider offers nothing else.
    const methods = config.serverMetadata().token_endpoint_auth_methods_supported
    const post =
      this.options.tokenAuthMethod === 'client_secret_post' ||
      (!this.options.tokenAuthMethod &&
        methods &&
        !methods.includes('client_secret_basic') &&
        methods.includes('client_secret_post'))
    if (post) {
      config = new client.Configuration(config.serverMetadata(), clientId, undefined, client.ClientSecretPost(clientSecret))
      if (insecure) client.allowInsecureRequests(config)
    }
    if (this.options.fetch) config[client.customFetch] = this.options.fetch
    return config
  }
}

/** The user as the contract returns them; email only when the provider does not say it is unverified. */
export function toUser(provider: string, subject: string, profile: Record<string, unknown>): User {
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : undefined)
  const picture = text(profile.picture)
  return {
    id: `${provider}:${subject}`,
    provider,
    name: text(profile.name) ?? text(profile.preferred_username),
    email: profile.email_verified === false ? undefined : text(profile.email),
    picture: picture && /^https:\/\//.test(picture) ? picture : undefined,
  }
}

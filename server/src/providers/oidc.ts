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
    const config = await client.discovery(
      issuer,
      this.options.clientId,
      undefined,
      client.ClientSecretPost(this.options.clientSecret),
      { execute: insecure ? [client.allowInsecureRequests] : [], timeout: 10 },
    )
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

import * as client from 'openid-client'
import type { User } from '@boarding-pass/shared'
import { ProviderLoginError, type IdentityProvider, type ProviderChecks } from './identity-provider.js'
import { toProviderLoginError } from './openid-errors.js'
import { toUser } from './oidc.js'

export interface GithubProviderOptions {
  id: string
  name: string
  clientId: string
  clientSecret: string
  scopes: string[]
  redirectUri: string
  /** https://github.com, or a GitHub Enterprise Server. */
  webUrl: string
  /** https://api.github.com, or `<server>/api/v3`. */
  apiUrl: string
}

/**
 * GitHub: OAuth 2 (not OpenID Connect), so no ID token and no nonce; the user is
 * read from GitHub's REST API. State and PKCE still guard the callback.
 */
export class GithubProvider implements IdentityProvider {
  readonly id: string
  readonly name: string
  private readonly config: client.Configuration

  constructor(private readonly options: GithubProviderOptions) {
    this.id = options.id
    this.name = options.name
    this.config = new client.Configuration(
      {
        issuer: options.webUrl,
        authorization_endpoint: `${options.webUrl}/login/oauth/authorize`,
        token_endpoint: `${options.webUrl}/login/oauth/access_token`,
      },
      options.clientId,
      undefined,
      client.ClientSecretPost(options.clientSecret),
    )
    if (options.webUrl.startsWith('http:')) client.allowInsecureRequests(this.config)
    this.config[client.customFetch] = githubTokenFetch
  }

  async authorizationUrl(params: { state: string; pkceChallenge: string }): Promise<URL> {
    return client.buildAuthorizationUrl(this.config, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.scopes.join(' '),
      state: params.state,
      code_challenge: params.pkceChallenge,
      code_challenge_method: 'S256',
      allow_signup: 'true',
    })
  }

  async finish(callbackUrl: URL, checks: ProviderChecks): Promise<User> {
    try {
      const tokens = await client.authorizationCodeGrant(this.config, callbackUrl, {
        expectedState: checks.state,
        pkceCodeVerifier: checks.pkceVerifier,
        idTokenExpected: false,
      })
      const account = await this.api<{
        id: number
        login: string
        name: string | null
        email: string | null
        avatar_url?: string
      }>('/user', tokens.access_token)
      if (typeof account.id !== 'number') throw new ProviderLoginError('provider_error', 'GitHub returned no user id')
      let email = account.email
      if (!email) {
        const emails = await this.api<{ email: string; primary: boolean; verified: boolean }[]>(
          '/user/emails',
          tokens.access_token,
        ).catch(() => [])
        email = emails.find((entry) => entry.primary && entry.verified)?.email ?? null
      }
      return toUser(this.id, String(account.id), {
        name: account.name ?? account.login,
        email,
        picture: account.avatar_url,
      })
    } catch (error) {
      throw toProviderLoginError(error)
    }
  }

  private async api<T>(path: string, accessToken: string): Promise<T> {
    const response = await fetch(`${this.options.apiUrl}${path}`, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${accessToken}`,
        'user-agent': 'boarding-pass',
        'x-github-api-version': '2022-11-28',
      },
      signal: AbortSignal.timeout(10_000),
    })
    if (!response.ok) throw new ProviderLoginError('provider_error', `GitHub API ${path} answered ${response.status}`)
    return (await response.json()) as T
  }
}

/**
 * GitHub answers a refused code (`bad_verification_code`, …) with HTTP 200 and
 * an error body. Turned into the 400 that RFC 6749 §5.2 prescribes, so it is
 * reported as the provider's refusal (`provider_error`), not as a malformed answer.
 */
async function githubTokenFetch(url: string, options: client.CustomFetchOptions): Promise<Response> {
  const response = await fetch(url, options as RequestInit)
  if (response.status !== 200 || !url.endsWith('/login/oauth/access_token')) return response
  const text = await response.text()
  let status = 200
  try {
    if (typeof (JSON.parse(text) as { error?: unknown }).error === 'string') status = 400
  } catch {
    // Not JSON: left for openid-client to refuse.
  }
  return new Response(text, { status, headers: response.headers })
}

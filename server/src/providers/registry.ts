import type { Settings } from '../settings.js'
import { GithubProvider } from './github.js'
import type { IdentityProvider } from './identity-provider.js'
import { OidcProvider } from './oidc.js'

/** The configured providers, by id. */
export class ProviderRegistry {
  private readonly byId: Map<string, IdentityProvider>

  constructor(providers: IdentityProvider[]) {
    this.byId = new Map(providers.map((provider) => [provider.id, provider]))
  }

  get(id: string): IdentityProvider | undefined {
    return this.byId.get(id)
  }

  list(): { id: string; name: string }[] {
    return [...this.byId.values()].map(({ id, name }) => ({ id, name }))
  }

  /** Discovers every OIDC provider now, so the first login does not wait for it. Failures are retried on use. */
  async warmUp(onError: (id: string, error: unknown) => void): Promise<void> {
    await Promise.all(
      [...this.byId.values()].map(async (provider) => {
        if (provider instanceof OidcProvider)
          await provider.configuration().catch((error: unknown) => onError(provider.id, error))
      }),
    )
  }
}

/** Builds the registry from settings; the development provider is added by the caller when it runs. */
export function createProviders(settings: Settings, extra: IdentityProvider[] = []): ProviderRegistry {
  const redirectUri = `${settings.publicUrl}/auth/callback`
  const configured = settings.providers.map((provider): IdentityProvider => {
    if (provider.kind === 'github') {
      return new GithubProvider({
        id: provider.id,
        name: provider.name,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        scopes: provider.scopes,
        redirectUri,
        webUrl: provider.githubUrl!,
        apiUrl: provider.githubApiUrl!,
      })
    }
    return new OidcProvider({
      id: provider.id,
      name: provider.name,
      issuer: provider.issuer!,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      scopes: provider.scopes,
      redirectUri,
      tokenAuthMethod: provider.tokenAuthMethod,
    })
  })
  return new ProviderRegistry([...extra, ...configured])
}

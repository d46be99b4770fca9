import { hash } from 'node:crypto'
import { HASH_LENGTH, isHashMethod, type RedirectStartInput, type RedirectStartOutput } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import type { IdentityProvider } from '../providers/identity-provider.js'
import type { Services } from '../services.js'
import type { FlowRecord } from '../store/index.js'
import { randomSecret } from '../tokens/secrets.js'
import { isRedirectUriAllowed } from './redirect-uri.js'

/**
 * Step 1: records the Client Code Hash under a new flow and sends the browser to
 * the provider with this flow's own state (the flowId), nonce and PKCE challenge.
 */
export async function startFlow(services: Services, input: RedirectStartInput): Promise<RedirectStartOutput> {
  const { settings, providers, logger } = services
  if (!isHashMethod(input.hashMethod)) throw new AuthError('unsupported_hash_method')
  if (input.clientCodeHash.length !== HASH_LENGTH[input.hashMethod]) {
    throw new AuthError('invalid_request', `clientCodeHash is not a ${input.hashMethod} digest in base64url.`)
  }
  const provider = providers.get(input.provider)
  if (!provider) throw new AuthError('unknown_provider')
  if (!isRedirectUriAllowed(input.redirectUri, settings.redirectUris)) throw new AuthError('redirect_uri_not_allowed')

  const flowId = randomSecret(16)
  const { authorizationUrl, expiresAt } = await beginProviderLeg(services, provider, flowId, {
    mode: 'redirect',
    clientCodeHash: input.clientCodeHash,
    hashMethod: input.hashMethod,
    redirectUri: input.redirectUri,
  })
  logger.info({ flowId, provider: provider.id }, 'flow started')
  services.metrics.flowsStarted.inc({ mode: 'redirect', provider: provider.id })
  return { flowId, authorizationUrl: authorizationUrl.href, expiresAt: new Date(expiresAt).toISOString() }
}

/**
 * Sends a flow to its provider: a fresh nonce and PKCE verifier towards the
 * provider, `legId` as `state`, and the record (keyed by `legId`) the callback
 * will take.
 */
export async function beginProviderLeg(
  services: Services,
  provider: IdentityProvider,
  legId: string,
  flow: Pick<FlowRecord, 'mode' | 'clientCodeHash' | 'hashMethod' | 'redirectUri' | 'deviceFlowId'>,
  ttlSeconds: number = services.settings.flowTtl,
): Promise<{ authorizationUrl: URL; expiresAt: number }> {
  const nonce = randomSecret(16)
  const pkceVerifier = randomSecret(32)
  let authorizationUrl: URL
  try {
    authorizationUrl = await provider.authorizationUrl({
      state: legId,
      nonce,
      pkceChallenge: pkceChallengeOf(pkceVerifier),
    })
  } catch (cause) {
    services.logger.warn({ provider: provider.id, err: cause }, 'provider unavailable')
    // The contract's closed list has no reason for this; store_unavailable (503, "try again shortly")
    // asks clients for exactly the right reaction, and the message says what is really down.
    throw new AuthError('store_unavailable', 'The identity provider cannot be reached; try again shortly.', { cause })
  }
  const createdAt = services.now()
  const expiresAt = createdAt + ttlSeconds * 1000
  await services.store.flows.put(
    legId,
    { ...flow, provider: provider.id, nonce, pkceVerifier, createdAt, expiresAt },
    ttlSeconds * 1000,
  )
  return { authorizationUrl, expiresAt }
}

/**
 * RFC 7636 S256: BASE64URL(SHA-256(ASCII(code_verifier))), with node:crypto's
 * synchronous one-shot hash (openid-client's `calculatePKCECodeChallenge` goes
 * through Web Crypto's asynchronous digest; the unit tests hold the two equal).
 */
export function pkceChallengeOf(verifier: string): string {
  return hash('sha256', verifier, 'base64url')
}

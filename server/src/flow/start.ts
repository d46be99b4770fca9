import { HASH_LENGTH, isHashMethod, type StartInput, type StartOutput } from '@boarding-pass/shared'
import { calculatePKCECodeChallenge } from 'openid-client'
import { AuthError } from '../errors.js'
import type { Services } from '../services.js'
import { randomSecret } from '../tokens/secrets.js'
import { isRedirectUriAllowed } from './redirect-uri.js'

/**
 * Step 1: records the Client Code Hash under a new flow and sends the browser to
 * the provider with this flow's own state (the flowId), nonce and PKCE challenge.
 */
export async function startFlow(services: Services, input: StartInput): Promise<StartOutput> {
  const { settings, providers, store, logger, now } = services
  if (!isHashMethod(input.hashMethod)) throw new AuthError('unsupported_hash_method')
  if (input.clientCodeHash.length !== HASH_LENGTH[input.hashMethod]) {
    throw new AuthError('invalid_request', `clientCodeHash is not a ${input.hashMethod} digest in base64url.`)
  }
  const provider = providers.get(input.provider)
  if (!provider) throw new AuthError('unknown_provider')
  if (!isRedirectUriAllowed(input.redirectUri, settings.redirectUris)) throw new AuthError('redirect_uri_not_allowed')

  const flowId = randomSecret(16)
  const nonce = randomSecret(16)
  const pkceVerifier = randomSecret(32)
  let authorizationUrl: URL
  try {
    authorizationUrl = await provider.authorizationUrl({
      state: flowId,
      nonce,
      pkceChallenge: await calculatePKCECodeChallenge(pkceVerifier),
    })
  } catch (cause) {
    logger.warn({ provider: provider.id, err: cause }, 'provider unavailable')
    throw new AuthError('provider_unavailable', undefined, { cause })
  }
  const createdAt = now()
  const expiresAt = createdAt + settings.flowTtl * 1000
  await store.flows.put(
    flowId,
    {
      provider: provider.id,
      clientCodeHash: input.clientCodeHash,
      hashMethod: input.hashMethod,
      redirectUri: input.redirectUri,
      nonce,
      pkceVerifier,
      createdAt,
      expiresAt,
    },
    settings.flowTtl * 1000,
  )
  logger.info({ flowId, provider: provider.id }, 'flow started')
  return { flowId, authorizationUrl: authorizationUrl.href, expiresAt: new Date(expiresAt).toISOString() }
}

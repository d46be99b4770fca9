import type { CallbackError } from '@boarding-pass/shared'
import { ProviderLoginError } from '../providers/identity-provider.js'
import type { Services } from '../services.js'
import { randomSecret, secretKey } from '../tokens/secrets.js'
import { setFlowStatus } from './cross-device/status.js'

/** What the callback route does next. */
export type CallbackOutcome =
  | { kind: 'redirect'; location: string }
  /** No live flow: an error page, never a redirect (there is nowhere trusted to send the browser). */
  | { kind: 'unknown_flow' }
  /** A cross-device flow: this browser only approved; it gets a page, never a code. */
  | { kind: 'device_approved' }
  | { kind: 'device_failed'; reason: CallbackError }

/**
 * Step 2: the provider sent the browser back. The flow is taken (so a callback
 * is processed at most once), the provider leg finished with the flow's own
 * state, nonce and PKCE verifier, and the browser sent to the app's redirect URI
 * with a new one-time Server Code — or with `error=` when the provider leg failed.
 */
export async function finishProviderLeg(services: Services, callbackUrl: URL): Promise<CallbackOutcome> {
  const { store, providers, settings, logger, now } = services
  const state = callbackUrl.searchParams.get('state')
  if (!state || state.length > 128) return { kind: 'unknown_flow' }
  const flow = await store.flows.take(state)
  if (!flow || flow.expiresAt <= now()) {
    logger.info({ flowId: flow ? (flow.deviceFlowId ?? state) : undefined }, 'callback for no live flow')
    services.metrics.flowsRefused.inc({ step: 'callback', reason: 'unknown_flow' })
    return { kind: 'unknown_flow' }
  }
  // Redirect mode: the state is the flowId. Cross-device: the leg's own id, pointing at the flow.
  const flowId = flow.deviceFlowId ?? state
  const provider = providers.get(flow.provider)
  const back = (params: Record<string, string>) => {
    const location = new URL(flow.redirectUri)
    for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value)
    location.searchParams.set('flow', flowId)
    return { kind: 'redirect', location: location.href } as const
  }
  const crossDevice = flow.mode === 'cross-device'
  const fail = async (reason: CallbackError, detail: string): Promise<CallbackOutcome> => {
    logger.info({ flowId, provider: flow.provider, reason, detail }, 'provider leg failed')
    services.metrics.flowsRefused.inc({ step: 'callback', reason })
    if (!crossDevice) return back({ error: reason })
    await setFlowStatus(services, flowId, { status: 'denied' })
    return { kind: 'device_failed', reason }
  }
  if (!provider) return fail('provider_error', 'provider no longer configured')

  let user
  try {
    user = await provider.finish(callbackUrl, { state, nonce: flow.nonce, pkceVerifier: flow.pkceVerifier })
  } catch (error) {
    if (error instanceof ProviderLoginError) return fail(error.reason, error.message)
    throw error
  }
  const serverCode = randomSecret(32)
  // Cross-device: the name the waiting device gave itself goes with the login it opens (auth.sessions shows it).
  const deviceName = crossDevice ? (await store.deviceFlows.get(flowId))?.deviceName : undefined
  await store.serverCodes.put(
    secretKey(serverCode),
    { flowId, clientCodeHash: flow.clientCodeHash, hashMethod: flow.hashMethod, user, ...(deviceName ? { deviceName } : {}) },
    settings.serverCodeTtl * 1000,
  )
  logger.info({ flowId, provider: flow.provider }, 'provider leg done, server code issued')
  if (crossDevice) {
    await setFlowStatus(services, flowId, { status: 'approved', serverCode })
    return { kind: 'device_approved' }
  }
  return back({ server_code: serverCode })
}

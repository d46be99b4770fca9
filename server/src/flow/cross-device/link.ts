import { formatUserCode, normalizeUserCode } from '@boarding-pass/shared'
import { AuthError } from '../../errors.js'
import type { Services } from '../../services.js'
import type { DeviceFlowRecord } from '../../store/index.js'
import { randomSecret, secretKey } from '../../tokens/secrets.js'
import { beginProviderLeg } from '../start.js'
import { setFlowStatus } from './status.js'

/** What the approving device is shown. */
export type LinkOutcome =
  | {
      kind: 'confirm'
      flowId: string
      flow: DeviceFlowRecord
      userCode: string
      /** The confirmation screen's one-time token: in the form and in a cookie. */
      token: string
      /** True when both devices reach us from the same network address. */
      sameNetwork: boolean
    }
  | { kind: 'redirect'; location: string }
  | { kind: 'declined' }
  | { kind: 'refused'; status: 400 | 429; title: string; message: string }

const refused = (title: string, message: string, status: 400 | 429 = 400): LinkOutcome => ({
  kind: 'refused',
  status,
  title,
  message,
})
const WRONG = refused(
  'That code did not work',
  'Check the code on your other screen and type it again. Codes expire after a few minutes.',
)
const USED = refused(
  'This code was already used',
  'Each code works once. If you did not use it, someone else may have: start again on your other device.',
)
const EXPIRED = refused('This sign-in has expired', 'Start again on your other device to get a new code.')

/**
 * The approving device enters (or scans) a user code and is shown what is
 * asking. Opening claims nothing (contract v1.2 "Links are safe to fetch": mail
 * scanners and chat previews GET links first): it only reports `opened` and
 * gives this browser a one-time token (form and cookie) for Continue or Decline,
 * the POST that spends the code. A code some browser already answered is refused.
 */
export async function openLink(
  services: Services,
  rawCode: string,
  caller: { ip: string; cookieToken?: string },
): Promise<LinkOutcome> {
  const code = normalizeUserCode(rawCode)
  try {
    await services.limits.consume('userCode', caller.ip)
  } catch (error) {
    if (error instanceof AuthError && error.reason === 'rate_limited') {
      return refused('Too many attempts', 'Wait a minute before you try another code.', 429)
    }
    throw error
  }
  if (!code) return WRONG
  const { store, now } = services
  const entry = await store.userCodes.get(code)
  if (!entry) return WRONG
  const flow = await store.deviceFlows.get(entry.flowId)
  if (!flow || now() >= flow.expiresAt) return EXPIRED
  if (flow.status !== 'pending' && flow.status !== 'opened') return USED
  if (await store.linkClaims.get(entry.flowId)) return USED

  const ttlMs = Math.max(1, flow.expiresAt - now())
  const sameNetwork = flow.startIp === caller.ip
  // A reload (or a second tab) in the same browser keeps its token, so every open page of it stays valid.
  const kept = caller.cookieToken ? await store.linkTokens.get(secretKey(caller.cookieToken)) : undefined
  const token = kept?.flowId === entry.flowId ? caller.cookieToken! : randomSecret(32)
  if (token !== caller.cookieToken) await store.linkTokens.put(secretKey(token), { flowId: entry.flowId }, ttlMs)
  const opened = flow.status === 'pending' ? await setFlowStatus(services, entry.flowId, { status: 'opened' }) : flow
  if (flow.status === 'pending') services.logger.info({ flowId: entry.flowId, sameNetwork }, 'cross-device flow opened')
  return { kind: 'confirm', flowId: entry.flowId, flow: opened ?? flow, userCode: formatUserCode(code), token, sameNetwork }
}

/**
 * Continue or Decline on the confirmation screen. The form's token must equal
 * this browser's cookie (a cross-site form cannot know either). The first answer
 * from any browser claims the flow atomically and spends the code, so a flow is
 * approved or declined at most once; every later answer gets the 400 page.
 */
export async function answerLink(
  services: Services,
  answer: { action: 'continue' | 'decline'; token?: string; cookieToken?: string; provider?: string },
): Promise<LinkOutcome> {
  if (!answer.token || !answer.cookieToken || answer.token !== answer.cookieToken || answer.token.length > 128) {
    return refused('This page has expired', 'Scan the code on your other device again.')
  }
  const { store, now, providers } = services
  const link = await store.linkTokens.get(secretKey(answer.token))
  if (!link) return USED
  const flow = await store.deviceFlows.get(link.flowId)
  if (!flow || now() >= flow.expiresAt) return EXPIRED
  if (flow.status !== 'opened' && flow.status !== 'pending') return USED
  const provider = providers.get(flow.provider ?? answer.provider ?? '')
  if (answer.action === 'continue' && !provider) {
    return refused('Choose how to sign in', 'Pick one of the sign-in options on the previous screen.')
  }
  const ttlMs = Math.max(1, flow.expiresAt - now())
  // The claim: one answer per flow, whichever browser sends it first.
  if (!(await store.linkClaims.putIfAbsent(link.flowId, secretKey(answer.token), ttlMs))) {
    services.logger.warn({ flowId: link.flowId }, 'cross-device flow answered twice: refused')
    return USED
  }
  await store.linkTokens.delete(secretKey(answer.token))

  if (answer.action === 'decline' || !provider) {
    await setFlowStatus(services, link.flowId, { status: 'denied' })
    services.logger.info({ flowId: link.flowId }, 'cross-device flow declined')
    return { kind: 'declined' }
  }
  const secondsLeft = Math.floor((flow.expiresAt - now()) / 1000)
  if (secondsLeft < 1) return EXPIRED
  const { authorizationUrl } = await beginProviderLeg(
    services,
    provider,
    randomSecret(16),
    {
      mode: 'cross-device',
      deviceFlowId: link.flowId,
      clientCodeHash: flow.clientCodeHash,
      hashMethod: flow.hashMethod,
      redirectUri: '',
    },
    secondsLeft,
  )
  services.logger.info({ flowId: link.flowId, provider: provider.id }, 'cross-device flow sent to provider')
  return { kind: 'redirect', location: authorizationUrl.href }
}

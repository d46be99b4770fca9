import { randomInt } from 'node:crypto'
import {
  HASH_LENGTH,
  USER_CODE_ALPHABET,
  USER_CODE_LENGTH,
  formatUserCode,
  isHashMethod,
  type CrossDeviceStartInput,
  type CrossDeviceStartOutput,
} from '@boarding-pass/shared'
import { AuthError } from '../../errors.js'
import type { Services } from '../../services.js'
import { randomSecret } from '../../tokens/secrets.js'
import { describeUserAgent } from './user-agent.js'

/** Seconds a waiting device should leave between `auth.poll` calls. */
export const POLL_INTERVAL = 2

/** How long a finished or expired flow still answers `expired`/`approved` before it is forgotten. */
export const STATUS_GRACE_MS = 10 * 60 * 1000

/**
 * v1.1 step 1: a device that will be approved from another one. It keeps its
 * Client Code; what it gets is a flow to watch and a short user code for the
 * approving device. No redirect URI: nothing is ever sent back through a browser.
 */
export async function startCrossDeviceFlow(
  services: Services,
  input: CrossDeviceStartInput,
  caller: { ip: string; userAgent: string | undefined },
): Promise<CrossDeviceStartOutput> {
  const { settings, providers, store, logger, now } = services
  if (!isHashMethod(input.hashMethod)) throw new AuthError('unsupported_hash_method')
  if (input.clientCodeHash.length !== HASH_LENGTH[input.hashMethod]) {
    throw new AuthError('invalid_request', `clientCodeHash is not a ${input.hashMethod} digest in base64url.`)
  }
  if (input.provider !== undefined && !providers.get(input.provider)) throw new AuthError('unknown_provider')

  const flowId = randomSecret(16)
  const createdAt = now()
  const ttlMs = settings.crossDeviceTtl * 1000
  const expiresAt = createdAt + ttlMs
  let userCode: string | undefined
  for (let attempt = 0; attempt < 5 && !userCode; attempt++) {
    const candidate = generateUserCode()
    // Kept as long as the flow's state, so a late code is told "expired", not "wrong".
    if (await store.userCodes.putIfAbsent(candidate, { flowId }, ttlMs + STATUS_GRACE_MS)) userCode = candidate
  }
  if (!userCode) throw new Error('could not allocate a unique user code')

  await store.deviceFlows.put(
    flowId,
    {
      clientCodeHash: input.clientCodeHash,
      hashMethod: input.hashMethod,
      provider: input.provider,
      deviceName: input.deviceName,
      startedOn: describeUserAgent(caller.userAgent),
      startIp: caller.ip,
      createdAt,
      expiresAt,
      userCode,
      status: 'pending',
    },
    ttlMs + STATUS_GRACE_MS,
  )
  logger.info({ flowId, mode: 'cross-device', provider: input.provider }, 'flow started')
  services.metrics.flowsStarted.inc({ mode: 'cross-device', provider: input.provider ?? 'chosen_later' })
  const shown = formatUserCode(userCode)
  const verificationUri = `${settings.publicUrl}/link`
  return {
    flowId,
    userCode: shown,
    verificationUri,
    verificationUriComplete: `${verificationUri}?code=${shown}`,
    expiresAt: new Date(expiresAt).toISOString(),
    interval: POLL_INTERVAL,
  }
}

/** 8 characters drawn uniformly (no modulo bias) from the user-code alphabet: about 34.6 bits. */
function generateUserCode(): string {
  let code = ''
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]
  return code
}

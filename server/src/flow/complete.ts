import { hash as digest } from 'node:crypto'
import { timingSafeEqual, type CompleteInput, type HashMethod, type TokenResponse } from '@boarding-pass/shared'
import { AuthError } from '../errors.js'
import { StoreUnavailableError, type ServerCodeRecord } from '../store/index.js'
import type { Services } from '../services.js'
import { secretKey } from '../tokens/secrets.js'
import { openLogin, type LoginClient } from '../session/login.js'

/**
 * node:crypto's names for the hash methods. The server hashes with node:crypto's
 * one-shot `hash` (synchronous, ~10× cheaper than Web Crypto's asynchronous
 * digest on this hot path, and cheaper than a `createHash` object); the result is the same as the shared `hashClientCode` that clients use,
 * which the unit tests hold it to.
 */
export const NODE_DIGEST: Record<HashMethod, string> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' }

/**
 * Step 3: boarding takes both codes. The Server Code is taken from the store
 * atomically (exactly one of any concurrent redemptions gets it, on any
 * instance), so it is spent whether or not the Client Code matches; only a
 * matching Client Code opens a login. With `client.jkt` (the key of the
 * request's checked DPoP proof, v1.2) the tokens are bound to that key.
 */
export async function completeFlow(
  services: Services,
  input: CompleteInput,
  client: LoginClient = {},
  admitted: Promise<void> = Promise.resolve(),
): Promise<TokenResponse> {
  const key = secretKey(input.serverCode)
  const taking = services.store.serverCodes.takeEntry(key)
  taking.catch(() => undefined)
  try {
    await admitted
  } catch (refusal) {
    // Refused by the rate limit, counted in the same round trip as the take: what it took goes back untouched.
    const taken = await taking.catch(() => undefined)
    if (taken) await giveBack(services, key, taken, 'refused by the rate limit')
    throw refusal
  }
  const entry = await taking
  if (!entry) throw new AuthError('invalid_grant')
  const record = entry.value
  const hash = digest(NODE_DIGEST[record.hashMethod], input.clientCode, 'base64url')
  if (!timingSafeEqual(hash, record.clientCodeHash)) {
    services.logger.warn({ flowId: record.flowId }, 'client code did not match: server code spent')
    throw new AuthError('invalid_grant')
  }
  let tokens: Awaited<ReturnType<typeof openLogin>>
  try {
    tokens = await openLogin(services, record.user, { ...client, deviceName: record.deviceName })
  } catch (error) {
    if (error instanceof StoreUnavailableError) await giveBack(services, key, entry, 'login not opened (store unavailable)')
    throw error
  }
  services.logger.info({ flowId: record.flowId, loginId: tokens.loginId, provider: record.user.provider }, 'flow completed')
  services.metrics.flowsCompleted.inc({ provider: record.user.provider })
  return tokens.response
}

/**
 * The call is refused after the Server Code was taken: the login could not be
 * opened because the store failed (a shard away during a failover, the
 * in-process store full; `store_unavailable`), or the rate limit counted in
 * the same round trip refused it (`rate_limited`). Both tell the client to try
 * again, so the Server Code goes back for that retry, with what was left of
 * its lifetime. Nothing was answered with it, and
 * putting back only where the key is still absent keeps it single-use: at most
 * one later redemption takes it. If the store cannot take it back either, it
 * stays spent (fails closed: the user signs in again).
 */
async function giveBack(
  services: Services,
  key: string,
  entry: { value: ServerCodeRecord; expires: number },
  why: string,
): Promise<void> {
  const left = entry.expires - Date.now()
  if (!(left > 0)) return
  const restored = await services.store.serverCodes.putIfAbsent(key, entry.value, Math.min(left, 2 ** 31 - 1)).catch(() => false)
  services.logger.warn({ flowId: entry.value.flowId, restored }, `${why}: server code given back for a retry`)
}

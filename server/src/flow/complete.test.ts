import { generateClientCode, hashClientCode } from '@boarding-pass/shared'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthError } from '../errors.js'
import { createLogger } from '../logger.js'
import type { Services } from '../services.js'
import { StoreUnavailableError, createStore, type Store } from '../store/index.js'
import { secretKey } from '../tokens/secrets.js'
import { completeFlow } from './complete.js'

/** Step 3 when the store fails halfway: the Server Code is given back for the retry the answer asks for. */
describe('completeFlow with a store that fails while the login is opened', () => {
  let store: Store | undefined
  afterEach(() => store?.close())

  async function setUp(ttlMs = 60_000) {
    store = await createStore({ maxPendingFlows: 100 })
    const services = {
      store,
      settings: { refreshTokenTtl: 3_600 },
      logger: createLogger('silent'),
      metrics: { flowsCompleted: { inc: () => undefined } },
      accessTokens: { sign: () => 'an.access.token', ttl: 900 },
      now: () => Date.now(),
    } as unknown as Services
    const clientCode = generateClientCode()
    const serverCode = 'server-code-'.padEnd(43, 'x')
    const record = {
      flowId: 'flow'.padEnd(22, 'x'),
      clientCodeHash: await hashClientCode(clientCode, 'sha256'),
      hashMethod: 'sha256' as const,
      user: { id: 'acme:ada', provider: 'acme' },
    }
    await store.serverCodes.put(secretKey(serverCode), record, ttlMs)
    return { services, clientCode, serverCode }
  }

  /** Makes the next `count` login writes fail as a store that does not answer. */
  function failLoginWrites(store: Store, count: number) {
    const put = store.logins.put.bind(store.logins)
    let left = count
    store.logins.put = async (...args) => {
      if (left-- > 0) throw new StoreUnavailableError()
      return put(...args)
    }
  }

  it('answers store_unavailable, and the retry with the same pair signs in once', async () => {
    const { services, clientCode, serverCode } = await setUp()
    failLoginWrites(store!, 1)
    await expect(completeFlow(services, { clientCode, serverCode })).rejects.toBeInstanceOf(StoreUnavailableError)
    const tokens = await completeFlow(services, { clientCode, serverCode })
    expect(tokens.user.id).toBe('acme:ada')
    await expect(completeFlow(services, { clientCode, serverCode })).rejects.toMatchObject({ reason: 'invalid_grant' })
  })

  it('the code given back keeps what was left of its lifetime, no more', async () => {
    const { services, clientCode, serverCode } = await setUp(150)
    failLoginWrites(store!, 1)
    await expect(completeFlow(services, { clientCode, serverCode })).rejects.toBeInstanceOf(StoreUnavailableError)
    await new Promise((resolve) => setTimeout(resolve, 200))
    await expect(completeFlow(services, { clientCode, serverCode })).rejects.toMatchObject({ reason: 'invalid_grant' })
  })

  it('refused by the rate limit counted alongside the take: the code goes back, and boards later', async () => {
    const { services, clientCode, serverCode } = await setUp()
    const limited = new AuthError('rate_limited', undefined, { retryAfter: 3 })
    await expect(completeFlow(services, { clientCode, serverCode }, {}, Promise.reject(limited))).rejects.toBe(limited)
    const tokens = await completeFlow(services, { clientCode, serverCode }, {}, Promise.resolve())
    expect(tokens.user.id).toBe('acme:ada')
  })

  it('an unknown code refused by the rate limit answers rate_limited and writes nothing', async () => {
    const { services } = await setUp()
    const limited = new AuthError('rate_limited')
    const unknown = { clientCode: generateClientCode(), serverCode: 'unknown'.padEnd(43, 'x') }
    await expect(completeFlow(services, unknown, {}, Promise.reject(limited))).rejects.toBe(limited)
    expect(await store!.serverCodes.get(secretKey(unknown.serverCode))).toBeUndefined()
  })

  it('a wrong Client Code still spends the code (only a store failure gives it back)', async () => {
    const { services, clientCode, serverCode } = await setUp()
    await expect(completeFlow(services, { clientCode: generateClientCode(), serverCode })).rejects.toBeInstanceOf(AuthError)
    await expect(completeFlow(services, { clientCode, serverCode })).rejects.toMatchObject({ reason: 'invalid_grant' })
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { type AuthError } from '../../errors.js'
import type { Services } from '../../services.js'
import { createStore, type Store } from '../../store/index.js'
import { pollFlow } from './status.js'

/**
 * `auth.poll`'s interval under real concurrency, in-process: eight polls of one
 * flow started in the same tick. A get-then-put mark (each poll reads "not
 * polled yet" before any writes) lets all eight through; only an atomic
 * put-if-absent answers exactly one.
 */
describe('pollFlow: the interval mark is atomic', () => {
  let store: Store | undefined
  afterEach(() => store?.close())

  async function servicesWithFlow(flowId: string): Promise<Services> {
    store = await createStore({ maxPendingFlows: 1_000 })
    const now = Date.now()
    await store.deviceFlows.put(
      flowId,
      {
        clientCodeHash: 'A'.repeat(43),
        hashMethod: 'sha256',
        startedOn: 'Chrome on Linux',
        startIp: '127.0.0.1',
        createdAt: now,
        expiresAt: now + 600_000,
        userCode: 'BCDF-GHJK',
        status: 'pending',
      },
      600_000,
    )
    return { store, now: () => Date.now() } as unknown as Services
  }

  it('8 polls at once: exactly one is answered, seven are rate_limited', async () => {
    const services = await servicesWithFlow('f'.repeat(22))
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => pollFlow(services, 'f'.repeat(22))))
    const answered = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []))
    expect(answered).toHaveLength(1)
    expect(refused).toHaveLength(7)
    for (const reason of refused) expect((reason as AuthError).reason).toBe('rate_limited')
  })
})

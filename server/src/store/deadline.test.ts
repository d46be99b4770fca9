import { describe, expect, it } from 'vitest'
import { withDeadline } from './deadline.js'
import { StoreUnavailableError } from './errors.js'

const never = () => new Promise<never>(() => undefined)
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

describe('withDeadline (one sweeping timer for every operation in flight)', () => {
  it('passes an answer through, and a failure as it is', async () => {
    await expect(withDeadline(Promise.resolve(7), 1_000)).resolves.toBe(7)
    const failure = new Error('boom')
    await expect(withDeadline(Promise.reject(failure), 1_000)).rejects.toBe(failure)
  })

  it('fails an operation that outlives its deadline as store_unavailable, no sooner and at most a sweep later', async () => {
    const started = performance.now()
    const outcomes = await Promise.allSettled([withDeadline(never(), 120), withDeadline(never(), 240)])
    const elapsed = performance.now() - started
    for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError)
    expect(elapsed).toBeGreaterThanOrEqual(239)
    expect(elapsed).toBeLessThan(240 + 50 + 100)
  })

  it('an answer in time is not failed later, and the timer stops once nothing waits', async () => {
    await new Promise((resolve) => setTimeout(resolve, 60)) // the previous test's sweeper stops
    const before = timers()
    const slow = new Promise((resolve) => setTimeout(() => resolve('late but in time'), 80))
    await expect(withDeadline(slow, 200)).resolves.toBe('late but in time')
    await new Promise((resolve) => setTimeout(resolve, 260))
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it('without a deadline, the operation itself', () => {
    const operation = never()
    expect(withDeadline(operation, undefined)).toBe(operation)
  })
})

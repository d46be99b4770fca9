import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { withDeadline } from './deadline.js'
import { StoreUnavailableError } from './errors.js'

const never = () => new Promise<never>(() => undefined)
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url))
const MODULE = JSON.stringify(fileURLToPath(new URL('./deadline.ts', import.meta.url)))
/** Runs `body` (with `withDeadline` in scope) in a Node process of its own. */
const runAlone = (body: string) =>
  spawnSync(TSX, ['-e', `(async () => { const { withDeadline } = await import(${MODULE}); ${body} })()`], {
    encoding: 'utf8',
    timeout: 5_000,
  })

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

  it('the sweeping timer stops once nothing waits: a process whose operations all answered exits at once', () => {
    // In a process of its own: a timer left running (setInterval is not unref'd) would keep it alive.
    // A deadline of 10 s: a process kept until then would be killed by spawnSync's 5 s limit.
    const result = runAlone(`await withDeadline(new Promise((r) => setTimeout(r, 80)), 10_000); console.log('answered')`)
    expect(result.stdout.trim()).toBe('answered')
    expect(result.status).toBe(0)
  })

  it('while an operation waits, the timer keeps the process until its deadline fails it', () => {
    const result = runAlone(
      `const t = performance.now(); await withDeadline(new Promise(() => {}), 300).catch((e) => console.log(e.name, Math.round(performance.now() - t)))`,
    )
    const [name, ms] = result.stdout.trim().split(' ')
    expect(name).toBe('StoreUnavailableError')
    expect(Number(ms)).toBeGreaterThanOrEqual(299)
    expect(Number(ms)).toBeLessThan(300 + 50 + 200)
  })

  it('without a deadline, the operation itself', () => {
    const operation = never()
    expect(withDeadline(operation, undefined)).toBe(operation)
  })
})

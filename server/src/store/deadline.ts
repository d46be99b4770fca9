import { StoreUnavailableError } from './errors.js'

/** How long a Redis operation may take before the request is answered `store_unavailable`. */
export const STORE_TIMEOUT_MS = 1_000

/** How often pending operations are checked against their deadline: a deadline fires at most this late. */
const SWEEP_MS = 50

/** An operation in flight: when it is due, and how to fail it. */
interface Pending {
  due: number
  fail: (error: StoreUnavailableError) => void
}

/**
 * Operations in flight with a deadline. One timer sweeps them all, instead of
 * a timer per operation: creating and clearing a timer, and racing a second
 * promise, cost more than the Redis command itself on the hot paths (several
 * store operations per request). The timer runs only while something waits.
 */
const pending = new Set<Pending>()
let sweeper: NodeJS.Timeout | undefined

function sweep(): void {
  const now = performance.now()
  for (const entry of pending) {
    if (entry.due <= now) {
      pending.delete(entry)
      entry.fail(new StoreUnavailableError())
    }
  }
  if (pending.size === 0) {
    clearInterval(sweeper)
    sweeper = undefined
  }
}

/**
 * `operation`, or a {@link StoreUnavailableError} once `timeoutMs` has passed
 * (a frozen Redis must not hang requests; the error comes at most 50 ms after
 * the deadline). Without a deadline, `operation` as it is.
 *
 * @example
 * ```ts
 * const value = await withDeadline(client.get(key), STORE_TIMEOUT_MS)
 * ```
 */
export function withDeadline<T>(operation: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return operation
  return new Promise<T>((resolve, reject) => {
    const entry: Pending = { due: performance.now() + timeoutMs, fail: reject }
    pending.add(entry)
    sweeper ??= setInterval(sweep, SWEEP_MS)
    operation.then(
      (value) => {
        pending.delete(entry)
        resolve(value)
      },
      (error: unknown) => {
        pending.delete(entry)
        reject(error)
      },
    )
  })
}

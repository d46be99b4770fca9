import { StoreUnavailableError } from './errors.js'

/** How long a Redis operation may take before the request is answered `store_unavailable`. */
export const STORE_TIMEOUT_MS = 1_000

/**
 * `operation`, or a {@link StoreUnavailableError} once `timeoutMs` has passed
 * (a frozen Redis must not hang requests). Without a deadline, `operation` as it is.
 */
export async function withDeadline<T>(operation: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return operation
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError()), timeoutMs)
  })
  try {
    return await Promise.race([operation, deadline])
  } finally {
    clearTimeout(timer)
  }
}

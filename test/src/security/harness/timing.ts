/** What an operation returned, and how long it took. */
export interface Timed<T> {
  value: T
  ms: number
}

/**
 * Runs `operation`, failing with a message naming `what` if it has not settled
 * after `limitMs` (so a hang is a clear failure, not a test timeout).
 */
export async function timed<T>(what: string, limitMs: number, operation: () => Promise<T>): Promise<Timed<T>> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${limitMs} ms (it hangs)`)), limitMs)
  })
  try {
    const value = await Promise.race([operation(), hang])
    return { value, ms: performance.now() - started }
  } finally {
    clearTimeout(timer)
  }
}

/** Retries `probe` every `everyMs` until it returns true, or fails after `limitMs` naming `what`. */
export async function eventually(what: string, limitMs: number, probe: () => Promise<boolean>, everyMs = 100): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < limitMs) {
    if (await probe().catch(() => false)) return performance.now() - started
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  throw new Error(`${what}: not within ${limitMs} ms`)
}

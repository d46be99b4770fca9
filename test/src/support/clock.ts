/** A clock for `startApp({ now })` that runs with real time and can be moved ahead, so expiry is tested without sleeping. */
export interface TestClock {
  now: () => number
  /** Moves this clock (only this one) `ms` milliseconds ahead. */
  advance(ms: number): void
}

export function createClock(): TestClock {
  let offset = 0
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms
    },
  }
}

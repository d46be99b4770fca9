/** A clock for `startApp({ now })` and the SDK's `now`: real time plus an offset that only moves forward. */
export interface TestClock {
  now: () => number
  /** Moves the clock `seconds` ahead. */
  advance(seconds: number): void
  /** Now, as a Date (for `verifyAccessToken({ currentDate })`). */
  date(): Date
}

export function createClock(): TestClock {
  let offset = 0
  const now = () => Date.now() + offset
  return {
    now,
    advance(seconds) {
      offset += seconds * 1000
    },
    date: () => new Date(now()),
  }
}

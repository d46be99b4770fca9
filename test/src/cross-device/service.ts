import { inject } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'

/**
 * Boarding Pass with the built-in development provider (no AUTH_PROVIDERS) and
 * the suite's real Redis. Rate limits are off unless `env` turns them on: every
 * test calls from 127.0.0.1 and the counters live in the shared Redis.
 */
export function startDevService(env: Record<string, string | undefined> = {}): Promise<TestInstance> {
  return startBoardingPass({ REDIS_URL: inject('redisUrl'), AUTH_RATE_LIMITS: 'off', ...env })
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

import { existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

/** Resolve workspace packages to their TypeScript sources, so tests never run stale builds. */
const resolve = { conditions: ['@boarding-pass/source'] }

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: { name: 'unit', include: ['shared/src/**/*.test.ts', 'server/src/**/*.test.ts'], environment: 'node' },
      },
      ...(existsSync('web/vitest.config.ts') ? ['web/vitest.config.ts'] : []),
      {
        resolve,
        test: {
          name: 'integration',
          include: ['test/src/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/src/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['test/src/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/src/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})

import { existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

/**
 * Resolve workspace packages to their TypeScript sources, so tests never run
 * stale builds. Node-environment projects resolve through `ssr.resolve` in Vitest 4.
 */
const resolve = { conditions: ['@boarding-pass/source'] }
const ssr = { resolve: { conditions: ['@boarding-pass/source', 'module', 'node', 'development|production'] } }

export default defineConfig({
  test: {
    // happy-dom 21's fetch enqueues into a response body's stream after the reader
    // cancelled it (FetchBodyUtility, "Controller is already closed") when the
    // client stops reading an auth.watch SSE stream in the web project's tests.
    // That one error, thrown inside happy-dom, is ignored; every other unhandled
    // error still fails the run.
    onUnhandledError(error) {
      const stack = String((error as { stack?: unknown }).stack ?? '')
      const inHappyDomFetch = stack.includes('happy-dom') && stack.includes('FetchBodyUtility')
      return !(inHappyDomFetch && (error as { code?: unknown }).code === 'ERR_INVALID_STATE')
    },
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          include: ['shared/src/**/*.test.ts', 'server/src/**/*.test.ts', 'packages/verify/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      ...(existsSync('web/vitest.config.ts') ? ['web/vitest.config.ts'] : []),
      {
        resolve,
        ssr,
        test: {
          name: 'client',
          include: ['packages/client/test/**/*.test.ts'],
          exclude: ['packages/client/test/browser/**'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Components and the router in happy-dom, against a real Boarding Pass the global setup starts outside it.
        resolve: { conditions: ['@boarding-pass/source', 'module', 'browser', 'development|production'] },
        test: {
          name: 'vue',
          include: ['packages/vue/test/**/*.test.ts'],
          environment: 'happy-dom',
          globalSetup: ['packages/vue/test/global-setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'client-browser',
          include: ['packages/client/test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        resolve,
        ssr,
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
        ssr,
        test: {
          name: 'security',
          include: ['test/src/security/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/src/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        // Node projects resolve through Vite's SSR environment, which reads ssr.resolve.conditions, not resolve.conditions.
        ssr: { resolve: { conditions: ['@boarding-pass/source', 'module', 'node', 'development|production'] } },
        test: {
          name: 'services',
          include: ['test/src/services/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/src/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'cross-device',
          include: ['test/src/cross-device/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/src/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          // The suites that hold across instances, run again on a real 6-node Redis Cluster
          // (REDIS_CLUSTER_NODES), and the cluster's own: failover, slot migration, limits, keys.
          name: 'cluster',
          include: [
            'test/src/cluster/**/*.test.ts',
            'test/src/integration/happy-path.test.ts',
            'test/src/integration/cross-instance.test.ts',
            'test/src/integration/concurrent-redemption.test.ts',
            'test/src/integration/sessions.test.ts',
            'test/src/cross-device/cross-instance.test.ts',
          ],
          environment: 'node',
          globalSetup: ['test/src/support/cluster-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'packaging',
          include: ['test/src/packaging/**/*.test.ts'],
          environment: 'node',
          // Packs and npm-installs the tarballs once for every file here.
          globalSetup: ['test/src/packaging/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 400_000,
        },
      },
      {
        resolve,
        ssr,
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

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
          // The contract suites again, each instance being the BUILT server (`node server/dist/main.js`) in a
          // child process with WEB_CONCURRENCY=2 on the suite's Redis: the global setup provides
          // `webConcurrency`, startBoardingPass/startService start such processes (support/boarding-pass-process.ts),
          // every request goes on a connection of its own so it may land on either worker, and after each file
          // the setup file checks that every instance had 2 workers and that both served requests.
          //
          // Here, whole: happy-path, replay, hash-methods, refresh, sessions, concurrent-redemption,
          // cross-instance, errors-invalid-grant, errors-invalid-request, errors-unknown-provider,
          // errors-unsupported-hash-method, errors-redirect-uri-not-allowed, errors-provider-unavailable,
          // token-auth-method, no-secrets-in-logs (on the child's own stdout), github; errors-rate-limited and
          // store-unavailable (on a third-party provider: the built-in one lives in one process and workers
          // refuse it); standards and routes (their instances with the in-process store and the built-in
          // provider, which workers refuse, get a private redis-server and a third-party provider instead).
          // Here but for one describe each that moves the instance's clock (skipped when !instancesInProcess()):
          // callback ("a flow that expired"), errors-invalid-token ("expired"; its other tests re-sign claims
          // with the service's key read from Redis, not from the instance).
          //
          // Not here:
          // - fast-path: compares the server's fast path with tRPC's adapter (an implementation check) on the
          //   built-in provider; dev-provider: that provider, which WEB_CONCURRENCY > 1 refuses.
          // - startup-readiness: "/readyz 200, so this instance serves a login" is a promise per process; with
          //   workers each answers /readyz for itself (docs/scaling.md). Also on the built-in provider.
          // - keys-at-rest, metrics, nginx: read the instance's internals (its private key in memory; its key
          //   ring and an injected clock; its settings); metrics on METRICS_PORT are per worker besides.
          // - first-run, prod-start, settings-exit, deploy-recipe, web-concurrency (which runs WEB_CONCURRENCY=2
          //   itself, in `integration`): start the program themselves or check start-up and deploy files.
          name: 'web-concurrency',
          include: [
            'happy-path',
            'replay',
            'hash-methods',
            'refresh',
            'sessions',
            'concurrent-redemption',
            'cross-instance',
            'callback',
            'errors-invalid-grant',
            'errors-invalid-request',
            'errors-invalid-token',
            'errors-unknown-provider',
            'errors-unsupported-hash-method',
            'errors-redirect-uri-not-allowed',
            'errors-provider-unavailable',
            'errors-rate-limited',
            'store-unavailable',
            'standards',
            'routes',
            'token-auth-method',
            'no-secrets-in-logs',
            'github',
          ].map((name) => `test/src/integration/${name}.test.ts`),
          environment: 'node',
          globalSetup: ['test/src/support/web-concurrency-global-setup.ts'],
          setupFiles: ['test/src/support/web-concurrency-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
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

import vue from '@vitejs/plugin-vue'
import { defaultClientConditions } from 'vite'
import { defineProject } from 'vitest/config'

/**
 * The web app's unit tests: the Pinia store in happy-dom, against real
 * Boarding Pass instances started by the global setup (fakes only where a
 * server cannot be made to answer a certain way, and those tests say so).
 */
export default defineProject({
  plugins: [vue()],
  resolve: { conditions: ['@boarding-pass/source', ...defaultClientConditions] },
  test: {
    name: 'web',
    include: ['test/**/*.test.ts'],
    environment: 'happy-dom',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})

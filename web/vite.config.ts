import vue from '@vitejs/plugin-vue'
import { defineConfig, defaultClientConditions } from 'vite'

/** The API `pnpm dev` runs beside Vite (scripts/dev.mjs sets API_PORT); Vite's port is PUBLIC_URL's. */
const api = `http://127.0.0.1:${process.env.API_PORT ?? process.env.PORT ?? '3000'}`

export default defineConfig({
  plugins: [vue()],
  // Workspace packages from their TypeScript sources; the defaults keep `browser`/`module` resolution for the rest.
  resolve: { conditions: ['@boarding-pass/source', ...defaultClientConditions] },
  server: {
    // A fixed port: PUBLIC_URL, and so the allowed redirect URI (`…/callback`), name it.
    port: 5173,
    strictPort: true,
    // Everything the service serves besides the app. The Host header is kept (no changeOrigin), so the service
    // and its development provider build their URLs on PUBLIC_URL and the browser never leaves Vite's origin.
    proxy: Object.fromEntries(
      ['/trpc', '/auth/callback', '/link', '/dev-idp', '/.well-known', '/healthz', '/readyz'].map((path) => [
        path,
        { target: api, changeOrigin: false },
      ]),
    ),
  },
  build: { target: 'es2022', sourcemap: false },
})

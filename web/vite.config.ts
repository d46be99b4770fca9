import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  resolve: { conditions: ['@boarding-pass/source'] },
  server: { proxy: { '/trpc': 'http://127.0.0.1:3000', '/auth': 'http://127.0.0.1:3000', '/dev-idp': 'http://127.0.0.1:3000' } },
})

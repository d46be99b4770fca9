import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// VITE_BOARDING_PASS_URL and VITE_ORDERS_URL are read at build time (from the environment or a .env file).
export default defineConfig({
  plugins: [vue()],
  server: { port: 5174, strictPort: true },
  preview: { port: 5174, strictPort: true },
  build: { target: 'es2022' },
})

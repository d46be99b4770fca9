// `pnpm dev`: the API with reload (tsx watch) behind Vite's dev server with hot reload.
// The app is opened on Vite's port, so PUBLIC_URL points there and Vite proxies the API.
import { spawn } from 'node:child_process'

const vitePort = process.env.VITE_PORT ?? '5173'
const apiPort = process.env.PORT ?? '3000'
const env = {
  ...process.env,
  PORT: apiPort,
  PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${vitePort}`,
  API_PORT: apiPort,
}

const children = [
  spawn('pnpm', ['--filter', '@boarding-pass/server', 'dev'], { stdio: 'inherit', env }),
  spawn('pnpm', ['--filter', '@boarding-pass/web', 'dev', '--port', vitePort, '--strictPort'], { stdio: 'inherit', env }),
]
const stop = () => children.forEach((child) => child.kill('SIGTERM'))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
for (const child of children)
  child.on('exit', (code) => {
    stop()
    process.exitCode = code ?? 0
  })

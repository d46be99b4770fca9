import { createServer } from 'node:net'
import { parseSettings, startApp, type App } from '@boarding-pass/server'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Boarding Pass with the development provider and the default token lifetime. */
    apiUrl: string
    /** The same, with access tokens that live 2 seconds. */
    shortLivedApiUrl: string
    /** Another, for the cross-device tests alone (their codes and starts count against its rate limits only). */
    crossDeviceApiUrl: string
    /** The same, with cross-device codes that expire after 2 seconds. */
    quickExpiryApiUrl: string
  }
}

const apps: App[] = []

/**
 * Starts real Boarding Pass instances (in this Node process, outside the
 * happy-dom environment the tests run in) for the store to talk to.
 */
export async function setup(project: TestProject): Promise<void> {
  project.provide('apiUrl', await start({}))
  project.provide('shortLivedApiUrl', await start({ AUTH_ACCESS_TOKEN_TTL: '2' }))
  project.provide('crossDeviceApiUrl', await start({}))
  project.provide('quickExpiryApiUrl', await start({ AUTH_CROSS_DEVICE_TTL: '2' }))
}

export async function teardown(): Promise<void> {
  await Promise.all(apps.map((app) => app.close()))
}

async function start(env: Record<string, string>): Promise<string> {
  const port = await freePort()
  const settings = parseSettings({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' })
  apps.push(await startApp(settings))
  return settings.publicUrl
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

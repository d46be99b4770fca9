#!/usr/bin/env node
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startApp } from './app.js'
import { SettingsError, parseSettings } from './settings.js'

const here = dirname(fileURLToPath(import.meta.url))
/**
 * The built demo app, unless WEB_ROOT says otherwise: the copy an installed
 * package ships in `app/` (scripts/pack.mjs puts it there), else the workspace's `web/dist`.
 */
const defaultWebRoot = [join(here, '../app'), join(here, '../../web/dist')].find((dir) => existsSync(join(dir, 'index.html')))

async function main(): Promise<void> {
  let settings
  try {
    settings = parseSettings(process.env)
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`boarding-pass: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  settings.webRoot ??= defaultWebRoot

  let app
  try {
    app = await startApp(settings)
  } catch (error) {
    if (error instanceof SettingsError) {
      // A setting that only the store can judge (AUTH_KEY_ENCRYPTION_KEY against the keys kept there).
      process.stderr.write(`boarding-pass: ${error.message}\n`)
      process.exit(1)
    }
    const message = error instanceof Error ? error.message : String(error)
    const hint = settings.redisUrl ? ' (is Redis reachable at REDIS_URL?)' : ''
    process.stderr.write(`boarding-pass: could not start: ${message}${hint}\n`)
    process.exit(1)
  }

  process.stdout.write(
    `\n  Boarding Pass is running: open ${settings.publicUrl}\n` +
      (settings.devProvider ? '  Sign in with the built-in development provider (any name works).\n\n' : '\n'),
  )

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    app.services.logger.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    const exit = (code: number) => {
      app.services.logger.flush()
      setTimeout(() => process.exit(code), 50)
    }
    app.close().then(
      () => exit(0),
      () => exit(1),
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

void main()

/**
 * The server package's public surface: start it, and the router's type for
 * typed clients (`import type { AppRouter } from '@boarding-pass/server'`).
 */
export type { AppRouter } from './routers/_app.js'
export { startApp, type App, type AppOptions } from './app.js'
export { parseSettings, SettingsError, type Settings } from './settings.js'
export { createDevProvider, type DevProvider, type DevClient } from './dev-provider/index.js'
export { createLogger } from './logger.js'

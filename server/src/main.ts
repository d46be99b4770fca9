#!/usr/bin/env node
import cluster from 'node:cluster'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { App } from './app.js'
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
  if (cluster.isPrimary && settings.webConcurrency > 1) {
    if (settings.metricsPort !== undefined) {
      // One /metrics for the whole service: the workers' registries, summed at each scrape.
      const { startWorkersMetricsServer } = await import('./metrics/server.js')
      await startWorkersMetricsServer({ host: settings.host, port: settings.metricsPort }).catch((error: unknown) => {
        process.stderr.write(
          `boarding-pass: could not start: METRICS_PORT ${settings.metricsPort}: ${error instanceof Error ? error.message : String(error)}\n`,
        )
        process.exit(1)
      })
    }
    runWorkers(settings.webConcurrency, settings.publicUrl, settings.devProvider)
    return
  }

  // Signals are taken before startApp: a worker counts as started (and the primary passes SIGTERM on to it)
  // as soon as it listens, which is inside startApp; the default action would kill it undrained, and the
  // primary would exit 1. A signal that comes while starting is acted on once the app is up.
  let app: App | undefined
  let stopping: string | undefined
  const onSignal = (signal: string) => {
    if (stopping) return
    stopping = signal
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    if (app) shutDown(app, signal)
  }
  process.on('SIGTERM', () => onSignal('SIGTERM'))
  process.on('SIGINT', () => onSignal('SIGINT'))

  try {
    // Loaded here, not at the top: a WEB_CONCURRENCY primary only forks and supervises, and never loads the app.
    const { startApp } = await import('./app.js')
    app = await startApp(settings)
  } catch (error) {
    if (error instanceof SettingsError) {
      // A setting that only the store can judge (AUTH_KEY_ENCRYPTION_KEY against the keys kept there).
      process.stderr.write(`boarding-pass: ${error.message}\n`)
      process.exit(1)
    }
    const message = error instanceof Error ? error.message : String(error)
    const hint = settings.redisUrl
      ? ' (is Redis reachable at REDIS_URL?)'
      : settings.redisClusterNodes
        ? ' (is the Redis Cluster reachable at REDIS_CLUSTER_NODES?)'
        : ''
    process.stderr.write(`boarding-pass: could not start: ${message}${hint}\n`)
    process.exit(1)
  }

  if (stopping) shutDown(app, stopping)
  else if (cluster.isPrimary) banner(settings.publicUrl, settings.devProvider)
}

/** Lets `app` drain, then exits: 0 once it has closed, 1 if closing failed. */
function shutDown(app: App, signal: string): void {
  app.services.logger.info({ signal }, 'shutting down')
  const exit = (code: number) => {
    app.services.logger.flush()
    setTimeout(() => process.exit(code), 50)
  }
  app.close().then(
    () => exit(0),
    () => exit(1),
  )
}

function banner(publicUrl: string, devProvider: boolean): void {
  process.stdout.write(
    `\n  Boarding Pass is running: open ${publicUrl}\n` +
      (devProvider ? '  Sign in with the built-in development provider (any name works).\n\n' : '\n'),
  )
}

/**
 * WEB_CONCURRENCY=N: N worker processes (node:cluster) share one port, each a
 * whole instance on the shared store (settings refuse N > 1 with the
 * in-process store). A worker that dies is replaced; one that cannot start
 * stops them all (exit 1), as a single process would. SIGTERM or SIGINT is
 * passed to every worker, which drains as a single process does; the primary
 * exits 0 once all have exited 0.
 */
function runWorkers(count: number, publicUrl: string, devProvider: boolean): void {
  let stopping = false
  let listening = 0
  const started = new Set<number>()
  const alive = new Set<number>()
  const fork = () => {
    const worker = cluster.fork()
    alive.add(worker.id)
    worker.once('listening', () => {
      started.add(worker.id)
      if (++listening === count) banner(publicUrl, devProvider)
    })
  }
  let failed = false
  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker.id)
    if (code !== 0) failed = true
    if (stopping) {
      if (alive.size === 0) process.exit(failed ? 1 : 0)
      return
    }
    if (!started.has(worker.id)) {
      // It never listened (the store unreachable, the port taken): the others would fail alike.
      stop(1)
      return
    }
    process.stderr.write(`boarding-pass: worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`)
    fork()
  })
  const stop = (code?: number) => {
    if (stopping) return
    stopping = true
    if (code !== undefined) failed = code !== 0
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    if (alive.size === 0) process.exit(failed ? 1 : 0)
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
  }
  process.on('SIGTERM', () => stop())
  process.on('SIGINT', () => stop())
  for (let i = 0; i < count; i++) fork()
}

void main()

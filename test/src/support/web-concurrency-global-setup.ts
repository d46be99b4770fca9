import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { setup as startRedis, teardown as stopRedis } from './global-setup.js'
import { MAIN } from './main-process.js'

const WORKERS = 2
const root = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * The suite's Redis (as in the `integration` project), and the mode in which
 * the support code starts each instance as `node server/dist/main.js` with
 * WEB_CONCURRENCY=2. The tests run the build, so a missing or stale one
 * stops the run here rather than testing old code.
 */
export async function setup(project: TestProject): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (pnpm build)`)
  for (const pkg of ['shared', 'packages/verify', 'server']) {
    const source = newest(join(root, pkg, 'src'), (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    const built = newest(join(root, pkg, 'dist'), (name) => name.endsWith('.js'))
    if (source > built) throw new Error(`${pkg}/dist is older than ${pkg}/src: build first (pnpm build)`)
  }
  await startRedis(project)
  project.provide('webConcurrency', WORKERS)
}

export const teardown = stopRedis

/** The newest modification time (ms) of the files under `dir` that `wanted` accepts; 0 if none. */
function newest(dir: string, wanted: (name: string) => boolean): number {
  let time = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && wanted(entry.name)) time = Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return time
}

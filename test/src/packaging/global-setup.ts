import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type {} from 'vitest'
import type { TestProject } from 'vitest/node'
import { emptyProject, npmInstall, root, run } from './support/installed.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * One npm project outside the workspace, installed once for the whole
     * `packaging` project: every packed tarball, the example Vue app's
     * dependencies (its `workspace:` ones as those tarballs), and the built
     * orders service in `orders/`.
     */
    installed: { dir: string; tarballs: Record<string, string> }
  }
}

let dirs: string[] = []

/** What `examples/vue-app` depends on, as npm specs: its own packages as the tarballs, the rest from the registry. */
function vueAppSpecs(tarballs: Record<string, string>): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'examples/vue-app/package.json'), 'utf8')) as {
    dependencies: Record<string, string>
    devDependencies: Record<string, string>
  }
  return (
    Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })
      // The test builds the app; it does not typecheck it (the workspace's `pnpm typecheck` does).
      .filter(([name]) => name !== 'vue-tsc')
      .map(([name, range]) => {
        if (!range.startsWith('workspace:')) return `${name}@${range}`
        const tarball = tarballs[name]
        if (!tarball) throw new Error(`examples/vue-app depends on ${name}, which is not packed`)
        return tarball
      })
  )
}

/** Packs every publishable package and installs the tarballs, once. */
export async function setup(project: TestProject): Promise<void> {
  const packDir = mkdtempSync(join(tmpdir(), 'bp-tarballs-'))
  const dir = emptyProject('app')
  dirs = [packDir, dir]
  const { stdout } = await run(process.execPath, [join(root, 'scripts/pack.mjs'), packDir], { cwd: root, timeout: 240_000 })
  const tarballs: Record<string, string> = {}
  for (const line of stdout.trim().split('\n')) {
    const [nameAtVersion, tarball] = line.split(/\s+/) as [string, string]
    tarballs[nameAtVersion.replace(/@[^@]+$/, '')] = tarball
  }
  // The example service is not published: its build and its package.json go beside the installed packages.
  await run(join(root, 'node_modules/.bin/tsc'), ['-b', 'examples/orders-service'], { cwd: root })
  cpSync(join(root, 'examples/orders-service/dist'), join(dir, 'orders/dist'), { recursive: true })
  writeFileSync(join(dir, 'orders/package.json'), JSON.stringify({ type: 'module' }))
  const app = vueAppSpecs(tarballs)
  // The orders service needs @trpc/server; the Vue app's own dependencies bring it too.
  const trpcServer = app.some((spec) => spec.startsWith('@trpc/server@')) ? [] : ['@trpc/server@^11']
  await npmInstall(dir, [...new Set([...Object.values(tarballs), ...app, ...trpcServer])])
  project.provide('installed', { dir, tarballs })
}

export function teardown(): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}

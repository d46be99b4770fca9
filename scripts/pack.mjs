#!/usr/bin/env node
/**
 * Packs every publishable package into one folder, as npm would publish them:
 * `node scripts/pack.mjs [out-dir]` (default `pack/`).
 *
 * Publishable: `shared`, `server`, `cli` and every package under `packages/*`
 * that is not `private`. Each is built, with outputs of removed sources pruned
 * from `dist/`, the server gets the built demo app in `server/app/`
 * (its default WEB_ROOT once installed), and each tarball is checked: no
 * `workspace:` range may be left in its package.json (pnpm pack rewrites them).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const PNPM = ['npx', '-y', 'pnpm@10.34.8']

/** The workspace folders of the publishable packages, dependencies first. */
export function publishablePackages() {
  const libraries = existsSync(join(root, 'packages'))
    ? readdirSync(join(root, 'packages'))
        .sort()
        .map((name) => `packages/${name}`)
    : []
  return ['shared', ...libraries, 'server', 'cli'].filter((dir) => {
    const file = join(root, dir, 'package.json')
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).private !== true
  })
}

/**
 * Deletes what `tsc -b` left in `dist/` from sources that no longer exist (it
 * never removes outputs). Done file by file rather than by emptying `dist/`, so
 * that tests running the built CLI or server meanwhile never see it missing.
 */
function pruneStaleOutput(packageDir) {
  const dist = join(packageDir, 'dist')
  if (!existsSync(dist)) return
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = join(entry.parentPath, entry.name)
    const stem = relative(dist, file).replace(/(\.d)?\.(js|ts)(\.map)?$/, '')
    const source = join(packageDir, 'src', stem)
    if (!existsSync(`${source}.ts`) && !existsSync(`${source}.tsx`)) rmSync(file)
  }
}

function run(command, args, cwd = root) {
  return execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
}

/**
 * Builds and packs every publishable package into `outDir`.
 * @returns `{ name, version, dir, tarball }` per package.
 */
export function packAll(outDir = join(root, 'pack')) {
  const dirs = publishablePackages()
  run(join(root, 'node_modules/.bin/tsc'), ['-b', ...dirs])
  for (const dir of dirs) pruneStaleOutput(join(root, dir))

  if (!existsSync(join(root, 'web/dist/index.html'))) run(PNPM[0], [...PNPM.slice(1), '--filter', '@boarding-pass/web', 'build'])
  rmSync(join(root, 'server/app'), { recursive: true, force: true })
  cpSync(join(root, 'web/dist'), join(root, 'server/app'), { recursive: true })

  mkdirSync(outDir, { recursive: true })
  const packed = []
  try {
    for (const dir of dirs) {
      const { name, version } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
      const output = run(PNPM[0], [...PNPM.slice(1), 'pack', '--json', '--pack-destination', outDir], join(root, dir))
      const tarball = JSON.parse(output.slice(output.indexOf('{'))).filename
      const manifest = run('tar', ['-xOzf', tarball, 'package/package.json'])
      if (manifest.includes('workspace:')) throw new Error(`${name}: the packed package.json still has a workspace: range`)
      packed.push({ name, version, dir, tarball: resolve(outDir, tarball) })
    }
  } finally {
    // The copy is for the tarball only: left behind, it would shadow a newer web/dist when the workspace runs the server.
    rmSync(join(root, 'server/app'), { recursive: true, force: true })
  }
  return packed
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outDir = resolve(process.argv[2] ?? join(root, 'pack'))
  for (const { name, version, tarball } of packAll(outDir)) console.log(`${name}@${version}  ${tarball}`)
}

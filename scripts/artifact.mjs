// Builds the production artifact: one folder that starts with `node start.mjs`,
// without pnpm, TypeScript or a build step on the target machine.
//
//   pnpm artifact [out-dir]          (default: out/)
//
// It builds the workspace, then `pnpm --filter @boarding-pass/server deploy
// --prod --legacy <out>` copies the server with its production dependencies
// only (the workspace's own packages included), then copies the built web app
// into <out>/web and writes <out>/start.mjs. WEB_ROOT set explicitly when
// starting wins over the bundled web app. `--no-build` skips the build (the
// test suite builds first).
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const build = !args.includes('--no-build')
const out = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(root, 'out'))

// pnpm itself: the one running this script, or the version the workspace pins, through npx.
const execpath = process.env.npm_execpath ?? ''
const pnpm = /pnpm/.test(execpath)
  ? [process.execPath, execpath]
  : ['npx', '-y', JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager]
const run = (...command) => {
  const [bin, ...rest] = [...pnpm, ...command]
  execFileSync(bin, rest, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
}

if (build) run('build')
for (const built of ['server/dist/main.js', 'web/dist/index.html']) {
  if (!existsSync(join(root, built))) {
    console.error(`artifact: ${built} is missing: build first (pnpm build), or drop --no-build`)
    process.exit(1)
  }
}
rmSync(out, { recursive: true, force: true })
run('--filter', '@boarding-pass/server', 'deploy', '--prod', '--legacy', out)
// Sources and build caches are not needed to run.
for (const extra of ['src', 'tsconfig.json', 'tsconfig.tsbuildinfo']) rmSync(join(out, extra), { recursive: true, force: true })
const webOut = join(out, 'web')
if (!existsSync(join(webOut, 'index.html'))) cpSync(join(root, 'web/dist'), webOut, { recursive: true })
writeFileSync(
  join(out, 'start.mjs'),
  `// Starts Boarding Pass from this folder: node start.mjs (settings from the environment).
// The web app bundled beside it is served unless WEB_ROOT says otherwise.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
if (!process.env.WEB_ROOT && existsSync(join(here, 'web', 'index.html'))) process.env.WEB_ROOT = join(here, 'web')
await import('./dist/main.js')
`,
)
console.log(`artifact: ${out} (start it with: node ${join(out, 'start.mjs')})`)

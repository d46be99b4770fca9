import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/**
 * Bundles `app.ts` (from the client's TypeScript sources) into a throw-away
 * WEB_ROOT: `index.html` (served for every app path, /callback included) and
 * `blank.html`, a page without the app, where a test can fill sessionStorage
 * before the app first runs (a duplicated tab).
 */
export async function buildTestApp(): Promise<{ root: string; remove(): void }> {
  const root = mkdtempSync(join(tmpdir(), 'bp-client-app-'))
  await build({
    entryPoints: [fileURLToPath(new URL('./app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    conditions: ['@boarding-pass/source'],
    outfile: join(root, 'app.js'),
    logLevel: 'silent',
  })
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>client test app</title></head><body><script type="module" src="/app.js"></script></body></html>',
  )
  writeFileSync(
    join(root, 'blank.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>',
  )
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) }
}

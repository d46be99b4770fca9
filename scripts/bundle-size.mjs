// Prints the gzip size (zlib level 9) of the JavaScript the sign-in page loads:
// the module scripts and modulepreload links of web/dist/index.html. Fails above the budget.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const BUDGET_BYTES = 60 * 1024
const dist = join(dirname(fileURLToPath(import.meta.url)), '../web/dist')

let html
try {
  html = readFileSync(join(dist, 'index.html'), 'utf8')
} catch {
  console.error('web/dist/index.html not found: run `pnpm build` first.')
  process.exit(1)
}

const attribute = (tag, name) =>
  new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag)?.slice(1).find(Boolean)
const files = new Set()
for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
  const src = attribute(tag, 'src')
  if (src && attribute(tag, 'type') === 'module') files.add(src)
}
for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
  const href = attribute(tag, 'href')
  if (href && attribute(tag, 'rel')?.split(/\s+/).includes('modulepreload')) files.add(href)
}
if (files.size === 0) {
  console.error('No module scripts found in web/dist/index.html.')
  process.exit(1)
}

let total = 0
for (const file of files) {
  const bytes = gzipSync(readFileSync(join(dist, new URL(file, 'http://x/').pathname)), { level: 9 }).length
  total += bytes
  console.log(`${kb(bytes).padStart(9)}  ${file}`)
}
console.log(`${kb(total).padStart(9)}  total gzip (level 9) of the sign-in page's JavaScript; budget ${kb(BUDGET_BYTES)}`)
if (total > BUDGET_BYTES) {
  console.error(`Over budget by ${kb(total - BUDGET_BYTES)}.`)
  process.exit(1)
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`
}

import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { SPA_CSP, SVG_CSP } from './headers.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * Serves the built SPA: files under `root`, and `index.html` for every other
 * page path so the app's own router answers (`/callback`, `/signed-in`, …).
 * Hashed assets are cached forever; the page itself never.
 */
export function createStaticHandler(root: string) {
  const base = normalize(root + sep)

  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false
    let path: string
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')
    } catch {
      return false
    }
    const file = normalize(join(base, path))
    if (file.startsWith(base) && extname(file) && !path.includes('\0')) {
      const info = await stat(file).catch(() => undefined)
      if (info?.isFile()) {
        // Every document gets a policy, whatever path reaches it (`/index.html` as well as `/`).
        const csp = extname(file) === '.html' ? SPA_CSP : extname(file) === '.svg' ? SVG_CSP : undefined
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-length': info.size,
          'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
          ...(csp ? { 'content-security-policy': csp } : {}),
        })
        if (req.method === 'HEAD') res.end()
        else createReadStream(file).pipe(res)
        return true
      }
      return false
    }
    // Read each time (the OS caches it): a rebuild while the server runs never serves a stale page.
    const index = await readFile(join(base, 'index.html')).catch(() => undefined)
    if (!index) return false
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': index.length,
      'cache-control': 'no-cache',
      'content-security-policy': SPA_CSP,
    })
    res.end(req.method === 'HEAD' ? undefined : index)
    return true
  }
}

import { spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClientCodePair } from '@boarding-pass/shared'
import { createClient, redeem, type Login } from './client.js'

export interface LoopbackOptions {
  url: string
  provider: string
  /** False: only print the address (`--no-browser`). */
  openBrowser: boolean
}

/**
 * Signs in the way RFC 8252 recommends for native apps: the system browser does
 * the provider login and comes back to a one-shot HTTP listener on 127.0.0.1 at
 * a port the OS picked. The server must allow `http://127.0.0.1/callback` (no
 * port: any port) in AUTH_REDIRECT_URIS.
 */
export async function loginWithLoopback(options: LoopbackOptions): Promise<Login> {
  const pair = await createClientCodePair()
  const listener = await listenOnLoopback()
  try {
    const redirectUri = `http://127.0.0.1:${listener.port}/callback`
    const started = await createClient(options.url).auth.start.mutate({
      provider: options.provider,
      clientCodeHash: pair.clientCodeHash,
      hashMethod: pair.hashMethod,
      redirectUri,
    })
    if (!('authorizationUrl' in started)) throw new Error('the server answered auth.start with a cross-device flow')

    console.log('Sign in in your browser. If it does not open, open this address:')
    console.log('')
    console.log(`  ${started.authorizationUrl}`)
    console.log('')
    if (options.openBrowser) openInBrowser(started.authorizationUrl)

    const msLeft = Date.parse(started.expiresAt) - Date.now()
    const serverCode = await listener.waitForCallback(started.flowId, msLeft)
    return await redeem(options.url, pair.clientCode, serverCode)
  } finally {
    listener.close()
  }
}

interface LoopbackListener {
  port: number
  /** Resolves with the Server Code the browser brings back for `flowId`; rejects on `error=` or timeout. */
  waitForCallback(flowId: string, timeoutMs: number): Promise<string>
  close(): void
}

/** An HTTP server on 127.0.0.1 (never 0.0.0.0: nothing off this machine may reach it) on an ephemeral port. */
async function listenOnLoopback(): Promise<LoopbackListener> {
  let onRequest: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end()
  const server = createServer((req, res) => onRequest(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    port: (server.address() as AddressInfo).port,
    waitForCallback(flowId, timeoutMs) {
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the sign-in expired before the browser came back; run the command again')),
          Math.max(0, timeoutMs),
        )
        onRequest = (req, res) => {
          const url = new URL(req.url ?? '/', 'http://127.0.0.1')
          if (req.method !== 'GET' || url.pathname !== '/callback') return answer(res, 404, 'Not found', '')
          // A redirect for another flow (a stale tab, or someone else's link) is not ours: ignore it.
          if (url.searchParams.get('flow') !== flowId) {
            return answer(res, 400, 'Not this sign-in', 'This page belongs to another sign-in. Go back to the terminal.')
          }
          const serverCode = url.searchParams.get('server_code')
          const error = url.searchParams.get('error')
          clearTimeout(timer)
          if (serverCode) {
            answer(res, 200, 'Signed in', 'You can close this tab and go back to the terminal.')
            resolve(serverCode)
          } else {
            answer(res, 400, 'Not signed in', 'The sign-in did not complete. Go back to the terminal.')
            reject(new Error(`the sign-in did not complete (${error ?? 'no code'})`))
          }
        }
      })
    },
    close() {
      server.close()
      server.closeIdleConnections()
    },
  }
}

function answer(res: ServerResponse, status: number, title: string, text: string): void {
  const html = `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto"><h1>${title}</h1><p>${text}</p></body></html>`
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  })
  res.end(html)
}

/** Opens `url` in the system browser; if that fails, the address printed above is the way. */
function openInBrowser(url: string): void {
  const failed = () => console.log('Could not open a browser: open the address above yourself.')
  const windows = process.platform === 'win32'
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : windows ? ['cmd', ['/c', 'start', '""', `"${url}"`]] : ['xdg-open', [url]]
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: windows })
    child.on('error', failed)
    child.on('exit', (code) => {
      if (code !== 0) failed()
    })
    child.unref()
  } catch {
    failed()
  }
}

import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A pass-through HTTP proxy in front of a real server that cuts every
 * `auth.watch` stream shortly after its first bytes: the network dropping a
 * Server-Sent Events connection, which a real server cannot be asked to do.
 * Everything else passes untouched. Counts the streams it cut.
 */
export async function startCuttingProxy(target: string): Promise<{ url: string; cut: () => number; close(): Promise<void> }> {
  let cut = 0
  const server: Server = createServer((req, res) => {
    const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      if (!(req.url ?? '').startsWith('/trpc/auth.watch')) {
        answer.pipe(res)
        return
      }
      answer.once('data', (chunk: Buffer) => {
        res.write(chunk)
        setTimeout(() => {
          cut++
          answer.destroy()
          res.destroy()
        }, 50)
      })
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => cut,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

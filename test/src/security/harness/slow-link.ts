import { createServer, connect, type Socket } from 'node:net'
import { freePort } from '../../support/ports.js'

/** A TCP relay on loopback in front of another port. */
export interface SlowLink {
  port: number
  close(): Promise<void>
}

/**
 * Relays connections to `targetPort`, but opens each one only after
 * `connectDelayMs`, as a Redis across a slow network (or behind a TLS
 * handshake) is: the client's socket is open at once, the server answers late.
 */
export async function slowLink(targetPort: number, connectDelayMs: number): Promise<SlowLink> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    sockets.add(client)
    client.pause()
    const timer = setTimeout(() => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort }, () => client.resume())
      sockets.add(upstream)
      client.pipe(upstream)
      upstream.pipe(client)
      upstream.on('error', () => client.destroy())
      upstream.on('close', () => client.destroy())
      client.on('close', () => upstream.destroy())
    }, connectDelayMs)
    client.on('error', () => undefined)
    client.on('close', () => clearTimeout(timer))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

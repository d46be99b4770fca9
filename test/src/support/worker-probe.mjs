// Preloaded (`node --import <this file>?dir=<directory> server/dist/main.js`) into a Boarding Pass started
// by the tests with WEB_CONCURRENCY > 1; node:cluster passes the flag on to every worker. In each worker
// it counts the HTTP requests that worker's servers received and keeps the count in `<directory>/<pid>`,
// so a test can tell that requests were served by every worker. It only observes (diagnostics_channel):
// nothing is added to the server's code, its answers or its logs.
import cluster from 'node:cluster'
import { subscribe } from 'node:diagnostics_channel'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = new URL(import.meta.url).searchParams.get('dir')
if (cluster.isWorker && dir) {
  const file = join(dir, String(process.pid))
  let served = 0
  // Written at once (a few bytes, synchronously) so that a count read after a response is never behind it.
  subscribe('http.server.request.start', () => writeFileSync(file, String(++served)))
}

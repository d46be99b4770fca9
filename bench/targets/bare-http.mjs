// The floor: bare node:http. POST: read the body, JSON.parse it, answer a JSON body of the
// same size and shape as auth.complete's response. GET: answer a body the size of auth.me's.
//
// Env: PORT, POST_SAMPLE and GET_SAMPLE (response bodies captured from Boarding Pass).
// With WORKERS=N it runs as N node:cluster workers on one port under targets/workers.mjs, the
// same primary as Boarding Pass's WEB_CONCURRENCY=N, so the two scaling factors compare.
import { createServer } from 'node:http'
import { serveRequests } from '../lib/processes.mjs'

const port = Number(process.env.PORT)
const postSample = JSON.parse(process.env.POST_SAMPLE ?? '{"result":{"data":{}}}')
const getSample = JSON.parse(process.env.GET_SAMPLE ?? '{"result":{"data":{}}}')

function send(res, value) {
  const body = JSON.stringify(value)
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') return send(res, getSample)
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      res.writeHead(400).end()
      return
    }
    send(res, postSample)
  })
})
server.keepAliveTimeout = 5_000
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))

serveRequests({}, { url: `http://127.0.0.1:${port}`, pid: process.pid })

process.on('SIGTERM', () => server.close(() => process.exit(0)) && server.closeAllConnections())

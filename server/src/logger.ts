import cluster from 'node:cluster'
import { pino, type Logger } from 'pino'

export type { Logger }

/**
 * Structured JSON logs. Steps of a login log `flowId` (and `loginId` once signed
 * in) so one login can be followed through every step. Codes, tokens and secrets
 * are never passed to the logger; the redaction below is a second line of defence
 * against a field added by mistake.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      // Under WEB_CONCURRENCY, which worker wrote the line (node:cluster's id, 1…N; a replaced worker gets a new one).
      base:
        cluster.isWorker && cluster.worker
          ? { service: 'boarding-pass', worker: cluster.worker.id }
          : { service: 'boarding-pass' },
      // Epoch milliseconds (pino's default): formatting ISO dates per line showed in the hot path's profile.
      redact: {
        // Top-level names only: wildcard paths made redaction a visible cost on every line (bench/).
        paths: [
          'clientCode',
          'serverCode',
          'refreshToken',
          'accessToken',
          'code',
          'secret',
          'clientSecret',
          'password',
          'authorization',
          'cookie',
          'token',
        ],
        censor: '[redacted]',
      },
      serializers: { err: serializeError },
    },
    destination ?? standardOutput(),
  )
}

/** Bytes of log lines gathered before one write(2) (each line its own write cost ~8 µs a request in bench/). */
const LOG_BUFFER_BYTES = 2048
/**
 * Most bytes one write(2) carries: whole lines, at most PIPE_BUF, so a write to
 * a pipe that other workers share (WEB_CONCURRENCY) is atomic and lines never
 * interleave mid-line.
 */
const PIPE_BUF = 4096
/** Longest a line waits in the buffer when traffic is too light to fill it. */
const LOG_FLUSH_MS = 200

/**
 * Standard output, buffered and asynchronous: a log line never waits on a
 * write(2) on the request path, and under load many lines share one write.
 * Lines reach the output within {@link LOG_FLUSH_MS} however light the
 * traffic, and whatever is buffered is written before the process exits
 * (`process.exit` included). One per process, whatever the number of loggers.
 */
function standardOutput(): pino.DestinationStream {
  if (shared) return shared
  const destination = (shared = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, maxWrite: PIPE_BUF }))
  setInterval(() => destination.flush(), LOG_FLUSH_MS).unref()
  process.once('exit', () => {
    try {
      destination.flushSync()
    } catch {
      // A write still in flight (or a closed stdout): nothing more can be done at exit.
    }
  })
  return destination
}
let shared: ReturnType<typeof pino.destination> | undefined

/** Errors are logged by name, code and message only: no stack reaches a log line meant for operators. */
function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) }
  const code = (error as { code?: unknown }).code
  return { type: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) }
}

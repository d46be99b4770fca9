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
      base: { service: 'boarding-pass' },
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
    // Buffered and asynchronous: a log line never waits on a write(2) on the request path.
    destination ?? pino.destination({ dest: 1, sync: false }),
  )
}

/** Errors are logged by name, code and message only: no stack reaches a log line meant for operators. */
function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) }
  const code = (error as { code?: unknown }).code
  return { type: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) }
}

/** A loopback redirect with a port: `http://127.0.0.1:<port><rest>` or `http://[::1]:<port><rest>`. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const LOOPBACK_WITH_PORT = /^http:\/\/(127\.0\.0\.1|\[::1\]):([1-9][0-9]{0,4})(\/[^#\s\u0000-\u001f\u007f]*)$/

/**
 * True when `uri` is allowed by the allow-list: an exact string match, or, for an
 * entry `http://127.0.0.1/<path>` or `http://[::1]/<path>` written without a
 * port, the same loopback address and the same path and query, character for
 * character, on any port (RFC 8252 §7.3). `localhost` gets no such allowance,
 * and nothing is normalised: no dot segments, case folding, or stripping.
 */
export function isRedirectUriAllowed(uri: string, allowList: readonly string[]): boolean {
  if (allowList.includes(uri)) return true
  const match = LOOPBACK_WITH_PORT.exec(uri)
  if (!match || Number(match[2]) > 65535) return false
  const portless = `http://${match[1]}${match[3]}`
  return allowList.includes(portless)
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]'])

/**
 * True when `uri` is allowed by the allow-list: an exact string match, or, for an
 * entry `http://127.0.0.1/<path>` or `http://[::1]/<path>` written without a
 * port, the same loopback address and path on any port (RFC 8252 §7.3).
 * `localhost` gets no such allowance, and nothing else is normalised.
 */
export function isRedirectUriAllowed(uri: string, allowList: readonly string[]): boolean {
  if (allowList.includes(uri)) return true
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || url.port === '' || url.username || url.password)
    return false
  const withoutPort = `http://${url.hostname}${url.pathname}${url.search}`
  if (!uri.startsWith(`http://${url.hostname}:${url.port}/`)) return false
  return allowList.some((entry) => entry === withoutPort && isPortlessLoopback(entry))
}

function isPortlessLoopback(entry: string): boolean {
  try {
    const url = new URL(entry)
    return (
      url.protocol === 'http:' &&
      LOOPBACK_HOSTS.has(url.hostname) &&
      url.port === '' &&
      entry.startsWith(`http://${url.hostname}/`)
    )
  } catch {
    return false
  }
}

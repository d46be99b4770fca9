/** `value` when it is an absolute http(s) URL; otherwise a TypeError naming `label`. */
export function checkAbsoluteUrl(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${label} must be an absolute http(s) URL`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`${label} must be an absolute http(s) URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${label} must be an absolute http(s) URL`)
  if (url.search || url.hash) throw new TypeError(`${label} must not have a query or a fragment`)
  return value
}

/** Boarding Pass's PUBLIC_URL has no trailing slash; accept one from callers without changing what is compared. */
export function trimTrailingSlashes(value: string): string {
  return value.replace(/\/+$/, '')
}

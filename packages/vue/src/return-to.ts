/**
 * A place inside this app to return to after signing in, or undefined: only a
 * path (`/orders/7?tab=2#top`), never another origin (`//evil.example`,
 * `https://…`, `/\evil`), so a crafted `?returnTo=` cannot send a signed-in
 * user elsewhere.
 *
 * @example
 * ```ts
 * safeReturnTo('/orders/7') // '/orders/7'
 * safeReturnTo('https://evil.example') // undefined
 * ```
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined
  // Control characters (a tab or newline inside `/\t/evil.example`) are dropped by URL parsers: refused outright.
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20 || value.charCodeAt(i) === 0x7f) return undefined
  return value
}

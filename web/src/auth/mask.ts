/**
 * Shows enough of a secret to tell two apart, never enough to use it: the first
 * four characters and a mark. Used for every code and token the flow inspector shows.
 *
 * @example
 * ```ts
 * mask('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') // 'dBjf•••'
 * ```
 */
export function mask(secret: string | undefined | null): string {
  if (!secret) return '—'
  return `${secret.slice(0, Math.min(4, Math.floor(secret.length / 4)))}•••`
}

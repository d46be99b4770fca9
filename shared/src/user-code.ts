/**
 * The letters a user code is made of: consonants only (no vowels, so no words;
 * no 0/O or 1/I/L look-alikes among them), as RFC 8628 §6.1 advises.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

/** Characters in a user code (shown as `XXXX-XXXX`). */
export const USER_CODE_LENGTH = 8

/**
 * The canonical form of what a user typed: upper-cased, dashes and spaces
 * removed; undefined unless it is 8 characters of {@link USER_CODE_ALPHABET}.
 *
 * @example
 * ```ts
 * normalizeUserCode('wdjb-mjht') // 'WDJBMJHT'
 * normalizeUserCode('WDJB MJH')  // undefined
 * ```
 */
export function normalizeUserCode(input: string): string | undefined {
  if (typeof input !== 'string' || input.length > 32) return undefined
  const code = input.toUpperCase().replace(/[\s-]+/g, '')
  if (code.length !== USER_CODE_LENGTH) return undefined
  for (const char of code) if (!USER_CODE_ALPHABET.includes(char)) return undefined
  return code
}

/**
 * A user code as shown to people: `XXXX-XXXX`.
 *
 * @example
 * ```ts
 * formatUserCode('WDJBMJHT') // 'WDJB-MJHT'
 * ```
 */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`
}

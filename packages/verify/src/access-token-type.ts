/**
 * True when a JWS header's `typ` names the access-token media type of RFC 9068
 * §4: `at+jwt` or its full form `application/at+jwt`, in any case (RFC 7515
 * §4.1.9: media types compare case-insensitively, and `application/` may be
 * left off). Boarding Pass signs `at+jwt`; the server and this verifier both
 * accept exactly what this function accepts, and refuse everything else
 * (`JWT`, an ID token's type, none at all).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-4.1.9
 *
 * @example
 * ```ts
 * isAccessTokenType('at+jwt') // true
 * isAccessTokenType('application/AT+JWT') // true
 * isAccessTokenType('JWT') // false
 * ```
 */
export function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false
  const lower = typ.toLowerCase()
  return lower === 'at+jwt' || lower === 'application/at+jwt'
}

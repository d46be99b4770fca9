/**
 * Claims of a Boarding Pass access token (a JWT signed with EdDSA or ES256).
 * `sub` is the user's id; `sid` the login it belongs to (what logout and reuse
 * detection revoke).
 */
export interface AccessTokenClaims {
  iss: string
  sub: string
  aud: string | string[]
  iat: number
  exp: number
  jti: string
  sid: string
  provider: string
  /** RFC 9068: the app the token was issued to (`AUTH_CLIENT_ID`). Absent only in tokens minted before v1.2. */
  client_id?: string
  /** v1.2, RFC 9449: the key the token is bound to (`jkt`, its RFC 7638 SHA-256 thumbprint); only with DPoP. */
  cnf?: { jkt: string }
}

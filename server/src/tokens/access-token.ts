import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose'
import type { AccessTokenClaims, User } from '@boarding-pass/shared'
import { StoreUnavailableError } from '../store/index.js'
import type { KeyRing } from './key-ring.js'
import { randomSecret } from './secrets.js'

/** Signs and verifies Boarding Pass access tokens. */
export class AccessTokens {
  constructor(
    private readonly keys: KeyRing,
    private readonly options: { issuer: string; audience: string; ttl: number; now: () => number },
  ) {}

  get ttl(): number {
    return this.options.ttl
  }

  /** A JWT for `user` in login `loginId`, signed with the current key. */
  async sign(user: User, loginId: string): Promise<string> {
    const key = this.signingKey()
    const iat = Math.floor(this.options.now() / 1000)
    return new SignJWT({ sid: loginId, provider: user.provider })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.options.issuer)
      .setSubject(user.id)
      .setAudience(this.options.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.options.ttl)
      .setJti(randomSecret(16))
      .sign(key.privateKey)
  }

  /** The current key; until the shared key set could be read (store down at start), signing waits for the store. */
  private signingKey() {
    try {
      return this.keys.current
    } catch (cause) {
      throw new StoreUnavailableError({ cause })
    }
  }

  /**
   * The claims of a valid token, or undefined for anything else (malformed,
   * unknown key, wrong issuer or audience, expired). Revocation is the caller's
   * check: it needs the store.
   */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      const { kid, alg } = decodeProtectedHeader(token)
      if (!kid || (alg !== 'EdDSA' && alg !== 'ES256')) return undefined
      const key = await this.keys.publicKey(kid)
      if (!key) return undefined
      const { payload } = await jwtVerify(token, key, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [alg],
        typ: 'at+jwt',
        clockTolerance: 5,
        currentDate: new Date(this.options.now()),
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'sid'],
      })
      return payload as unknown as AccessTokenClaims
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError || error instanceof SyntaxError) return undefined
      throw error
    }
  }
}

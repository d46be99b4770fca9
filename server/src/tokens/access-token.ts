import { LRUCache } from 'lru-cache'
import type { AccessTokenClaims, User } from '@boarding-pass/shared'
import { isAccessTokenType } from '@boarding-pass/verify'
import { StoreUnavailableError } from '../store/index.js'
import { encodeHeader, parseCompactJws, signCompactJws, verifyCompactJws, type SigningAlg } from './compact-jws.js'
import type { KeyRing } from './key-ring.js'
import { randomSecret } from './secrets.js'

/** Seconds of clock difference tolerated on `exp` and `iat`. */
const CLOCK_TOLERANCE = 5

/**
 * Signs and verifies Boarding Pass access tokens: JWTs (`typ: at+jwt`, RFC 9068)
 * signed with the key ring's current key, EdDSA or ES256 only.
 */
export class AccessTokens {
  private readonly headers = new Map<string, string>()
  /**
   * Tokens already verified, by their exact text: a token is immutable, so its
   * signature need not be checked again on every call (the signature check is
   * most of `auth.me`'s cost; see bench/). Only expiry is re-checked on a hit;
   * revocation is always the caller's store check. An attacker cannot hit the
   * cache without the exact token.
   */
  private readonly verified = new LRUCache<string, AccessTokenClaims>({ max: 10_000 })

  constructor(
    private readonly keys: KeyRing,
    private readonly options: { issuer: string; audience: string; clientId: string; ttl: number; now: () => number },
  ) {}

  get ttl(): number {
    return this.options.ttl
  }

  /** A JWT for `user` in login `loginId`, signed with the current key; bound to DPoP key `jkt` when given. */
  sign(user: User, loginId: string, jkt?: string): string {
    const key = this.signingKey()
    const alg = key.alg as SigningAlg
    let header = this.headers.get(key.kid)
    if (!header) this.headers.set(key.kid, (header = encodeHeader(alg, key.kid)))
    const iat = Math.floor(this.options.now() / 1000)
    const claims: AccessTokenClaims = {
      iss: this.options.issuer,
      sub: user.id,
      aud: this.options.audience,
      iat,
      exp: iat + this.options.ttl,
      jti: randomSecret(16),
      sid: loginId,
      provider: user.provider,
      client_id: this.options.clientId,
    }
    if (jkt) claims.cnf = { jkt }
    return signCompactJws(header, claims, key.privateKey, alg)
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
   * The claims of a valid token, or undefined for anything else: malformed, an
   * algorithm other than the one its key was made for, an unknown key, a bad
   * signature, another `typ`, issuer or audience, expired or issued in the
   * future, an `exp - iat` beyond the configured lifetime, or a claim missing
   * or mistyped. Revocation is the caller's check: it
   * needs the store.
   */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    const cached = this.verified.get(token)
    if (cached) {
      if (cached.exp > Math.floor(this.options.now() / 1000) - CLOCK_TOLERANCE) return cached
      this.verified.delete(token)
      return undefined
    }
    const claims = await this.verifyUncached(token)
    if (claims && token.length <= 4096) this.verified.set(token, claims)
    return claims
  }

  private async verifyUncached(token: string): Promise<AccessTokenClaims | undefined> {
    const jws = parseCompactJws(token)
    if (!jws) return undefined
    const { header, payload } = jws
    if (!isAccessTokenType(header.typ) || header.crit !== undefined || typeof header.kid !== 'string') return undefined
    if (header.alg !== 'EdDSA' && header.alg !== 'ES256') return undefined
    const key = await this.keys.verificationKey(header.kid)
    if (!key || !verifyCompactJws(jws, key.publicKey, key.alg as SigningAlg)) return undefined

    const now = Math.floor(this.options.now() / 1000)
    const { iss, sub, aud, iat, exp, jti, sid, provider } = payload
    if (iss !== this.options.issuer) return undefined
    if (!(aud === this.options.audience || (Array.isArray(aud) && aud.includes(this.options.audience)))) return undefined
    if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= now - CLOCK_TOLERANCE) return undefined
    if (typeof iat !== 'number' || !Number.isFinite(iat) || iat > now + CLOCK_TOLERANCE) return undefined
    if (typeof payload.nbf === 'number' && payload.nbf > now + CLOCK_TOLERANCE) return undefined
    // Never longer-lived than this service issues: a token with a stretched `exp` was not minted
    // by a healthy instance (a leaked signing key, a forged store entry), whatever its signature says.
    if (exp - iat > this.options.ttl) return undefined
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof sid !== 'string' || typeof provider !== 'string') {
      return undefined
    }
    const clientId = payload.client_id
    if (clientId !== undefined && typeof clientId !== 'string') return undefined
    const claims: AccessTokenClaims = { iss, sub, aud: aud as string | string[], iat, exp, jti, sid, provider }
    if (clientId) claims.client_id = clientId
    if (payload.cnf !== undefined) {
      // A confirmation this service cannot check (anything but a DPoP thumbprint) is never ignored.
      const jkt = (payload.cnf as { jkt?: unknown } | null)?.jkt
      if (typeof jkt !== 'string' || jkt.length === 0) return undefined
      claims.cnf = { jkt }
    }
    return claims
  }
}

import { createHash, randomUUID } from 'node:crypto'
import type { JWK } from '../../../server/node_modules/jose/dist/types/index.js'
import { jose } from './jose.js'

/** A client's DPoP key pair (RFC 9449), as a test holds it: the private key, its public JWK and thumbprint. */
export interface DpopKey {
  privateKey: CryptoKey
  publicJwk: JWK
  alg: 'ES256' | 'EdDSA'
  /** RFC 7638 SHA-256 thumbprint: what a bound token's `cnf.jkt` must be. */
  jkt: string
}

/** A fresh key pair, as a client would make one. */
export async function dpopKey(alg: DpopKey['alg'] = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true })
  const publicJwk = await jose.exportJWK(publicKey)
  return { privateKey, publicJwk, alg, jkt: await jose.calculateJwkThumbprint(publicJwk, 'sha256') }
}

/** `ath`: base64url SHA-256 of an access token. */
export function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url')
}

/**
 * A DPoP proof signed with jose (no hand-made JWS), for `htm` and `htu`; every
 * claim can be overridden (or removed with `undefined`) to build the refusals.
 */
export async function dpopProof(
  key: DpopKey,
  claims: { htm: string; htu: string; accessToken?: string; iat?: number; jti?: string; [claim: string]: unknown },
  header: Record<string, unknown> = {},
): Promise<string> {
  const { accessToken, ...rest } = claims
  const payload: Record<string, unknown> = {
    jti: randomUUID(),
    iat: Math.floor(Date.now() / 1000),
    ...(accessToken === undefined ? {} : { ath: ath(accessToken) }),
    ...rest,
  }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  return new jose.SignJWT(payload)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...header })
    .sign(key.privateKey)
}

/** Headers of a resource call with a bound token: `Authorization: DPoP …` and a fresh proof for `method` and `url`. */
export async function dpopHeaders(
  key: DpopKey,
  accessToken: string,
  method: string,
  url: string,
): Promise<Record<string, string>> {
  return { authorization: `DPoP ${accessToken}`, dpop: await dpopProof(key, { htm: method, htu: url, accessToken }) }
}

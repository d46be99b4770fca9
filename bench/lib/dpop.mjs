import { createHash, randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

/** jose, the copy the server depends on (the bench has no dependency of its own on it). */
const fromServer = createRequire(new URL('../../server/package.json', import.meta.url))
const jose = await import(pathToFileURL(fromServer.resolve('jose')).href)

const ROUNDS = 8
const PER_ROUND = 250

/**
 * The cost of a DPoP proof check per request: `auth.me` with a bound token and a
 * fresh proof against `auth.me` with a plain Bearer token, on the same server,
 * one request at a time (keep-alive), rounds interleaved. Proofs are signed
 * before each round, so only the server's check (JWS verify, thumbprint, the
 * jti's put-if-absent in the store) and the extra header bytes are in the
 * difference. Each figure is the median of the rounds' mean latencies.
 */
export async function measureDpopCost(bp, pairs) {
  const url = bp.info.url
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256')
  const jwk = await jose.exportJWK(publicKey)
  const proof = (htm, htu, ath) =>
    new jose.SignJWT({ htm, htu, jti: randomUUID(), ...(ath ? { ath } : {}) })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .setIssuedAt()
      .sign(privateKey)
  const complete = async (pair, headers) => {
    const response = await fetch(`${url}/trpc/auth.complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(pair),
    })
    return (await response.json()).result?.data
  }
  const bearer = await complete(pairs[0])
  const bound = await complete(pairs[1], { dpop: await proof('POST', `${url}/trpc/auth.complete`) })
  if (bound?.tokenType !== 'DPoP' || !bearer?.accessToken) throw new Error('DPoP bench: could not get a bound and a plain token')
  const ath = createHash('sha256').update(bound.accessToken).digest('base64url')
  const meUrl = `${url}/trpc/auth.me`

  async function round(makeHeaders) {
    const headers = await Promise.all(Array.from({ length: PER_ROUND }, makeHeaders))
    let failed = 0
    const started = process.hrtime.bigint()
    for (const h of headers) {
      const response = await fetch(meUrl, { headers: h })
      await response.arrayBuffer()
      if (response.status !== 200) failed++
    }
    const micros = Number(process.hrtime.bigint() - started) / 1000 / PER_ROUND
    return { micros, failed }
  }
  const plainHeaders = async () => ({ authorization: `Bearer ${bearer.accessToken}` })
  const dpopHeaders = async () => ({ authorization: `DPoP ${bound.accessToken}`, dpop: await proof('GET', meUrl, ath) })
  await round(plainHeaders) // warm-up
  await round(dpopHeaders)
  const plain = []
  const dpop = []
  let failed = 0
  for (let i = 0; i < ROUNDS; i++) {
    for (const [into, make] of i % 2
      ? [
          [plain, plainHeaders],
          [dpop, dpopHeaders],
        ]
      : [
          [dpop, dpopHeaders],
          [plain, plainHeaders],
        ]) {
      const result = await round(make)
      into.push(result.micros)
      failed += result.failed
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  return {
    requests: ROUNDS * PER_ROUND,
    bearerMicros: median(plain),
    dpopMicros: median(dpop),
    proofCheckMicros: median(dpop) - median(plain),
    failed,
  }
}

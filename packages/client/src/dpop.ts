/**
 * DPoP (RFC 9449, contract v1.2): a non-extractable ES256 key pair that the
 * tokens are bound to, and a fresh proof signed with it for every request.
 */

/**
 * Where the DPoP key pair is kept. The private key must be a non-extractable
 * Web Crypto key: whoever holds it can use every token bound to it.
 *
 * @example
 * ```ts
 * const auth = createBoardingPassClient({ url, dpop: memoryKeyStore() })
 * ```
 */
export interface DpopKeyStore {
  /** The key pair kept here, or the one given if there was none yet (the first writer wins, so tabs share one key). */
  getOrSet(make: () => Promise<CryptoKeyPair>): Promise<CryptoKeyPair>
}

/** How the tokens of a client are bound: to its DPoP key (`jkt`, the tokens' `cnf.jkt`), or not at all. */
export type Binding = { type: 'dpop'; jkt: string } | { type: 'bearer'; why: string }

/**
 * A key store that lives as long as the client (Node, tests): the key is
 * non-extractable and gone with the process.
 *
 * @example
 * ```ts
 * const auth = createBoardingPassClient({ url, redirectUri, dpop: memoryKeyStore() })
 * ```
 */
export function memoryKeyStore(): DpopKeyStore {
  let pair: Promise<CryptoKeyPair> | undefined
  return {
    getOrSet(make) {
      pair ??= make()
      return pair
    },
  }
}

/**
 * The browser's key store: one key pair per origin and `name` in IndexedDB,
 * shared by every tab (IndexedDB keeps `CryptoKey` objects, the private one
 * non-extractable).
 *
 * @example
 * ```ts
 * const auth = createBoardingPassClient({ url, dpop: indexedDbKeyStore('my-app') })
 * ```
 */
export function indexedDbKeyStore(name = 'boarding-pass'): DpopKeyStore {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(`${name}:dpop`, 1)
      request.onupgradeneeded = () => request.result.createObjectStore('keys')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error ?? new Error('IndexedDB refused'))
    })
  const read = (db: IDBDatabase, mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest) =>
    new Promise<unknown>((resolve, reject) => {
      const request = action(db.transaction('keys', mode).objectStore('keys'))
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error ?? new Error('IndexedDB refused'))
    })
  return {
    async getOrSet(make) {
      const db = await open()
      try {
        const kept = (await read(db, 'readonly', (store) => store.get('dpop'))) as CryptoKeyPair | undefined
        if (kept?.privateKey) return kept
        const made = await make()
        // One readwrite transaction: a tab that wrote first wins, and this tab uses its key.
        return await new Promise<CryptoKeyPair>((resolve, reject) => {
          const transaction = db.transaction('keys', 'readwrite')
          const store = transaction.objectStore('keys')
          let result = made
          const get = store.get('dpop')
          get.onsuccess = () => {
            const other = get.result as CryptoKeyPair | undefined
            if (other?.privateKey) result = other
            else store.put(made, 'dpop')
          }
          transaction.oncomplete = () => resolve(result)
          transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB refused'))
        })
      } finally {
        db.close()
      }
    },
  }
}

/** Signs proofs with one key pair. */
export interface DpopSigner {
  /** RFC 7638 SHA-256 thumbprint of the public key: the `cnf.jkt` of bound tokens. */
  jkt: string
  /** A proof for one request (`htu` without query or fragment); `accessToken` adds its `ath`. */
  proof(method: string, url: string, accessToken?: string): Promise<string>
}

const encoder = new TextEncoder()

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let text = ''
  for (const byte of view) text += String.fromCharCode(byte)
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const json64 = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)))

/** A new non-extractable ES256 key pair. */
export function makeDpopKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
}

/** The signer for the key in `store` (made there on first use). */
export async function createDpopSigner(store: DpopKeyStore): Promise<DpopSigner> {
  const pair = await store.getOrSet(makeDpopKeyPair)
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey)
  const jwk = { kty, crv, x, y }
  // RFC 7638: the required members in lexicographic order, no spaces.
  const jkt = base64url(await crypto.subtle.digest('SHA-256', encoder.encode(JSON.stringify({ crv, kty, x, y }))))
  const header = json64({ typ: 'dpop+jwt', alg: 'ES256', jwk })
  return {
    jkt,
    async proof(method, url, accessToken) {
      const claims: Record<string, string | number> = {
        jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
        htm: method.toUpperCase(),
        htu: url.split(/[?#]/, 1)[0]!,
        iat: Math.floor(Date.now() / 1000),
      }
      if (accessToken) claims.ath = base64url(await crypto.subtle.digest('SHA-256', encoder.encode(accessToken)))
      const input = `${header}.${json64(claims)}`
      // Web Crypto's ECDSA signature is already r||s, as JWS wants.
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, encoder.encode(input))
      return `${input}.${base64url(signature)}`
    },
  }
}

/**
 * The signer a client uses, or why it sends Bearer tokens: off when asked
 * (`false`), the given store, else IndexedDB where the platform has it.
 */
export async function resolveDpop(
  option: false | DpopKeyStore | undefined,
  name: string,
): Promise<{ signer?: DpopSigner; binding: Binding }> {
  if (option === false) return { binding: { type: 'bearer', why: 'DPoP is turned off (dpop: false)' } }
  const store = option ?? (typeof indexedDB === 'undefined' ? undefined : indexedDbKeyStore(name))
  if (!store || typeof crypto === 'undefined' || !crypto.subtle) {
    return { binding: { type: 'bearer', why: 'this browser cannot keep a private key' } }
  }
  try {
    const signer = await createDpopSigner(store)
    return { signer, binding: { type: 'dpop', jkt: signer.jkt } }
  } catch {
    return { binding: { type: 'bearer', why: 'this browser cannot keep a private key' } }
  }
}

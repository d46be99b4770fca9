import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import type { Store, KeySetRecord } from '../store/index.js'
import { randomSecret } from './secrets.js'

const KEY_SET = 'current'

interface LoadedKey {
  kid: string
  alg: string
  privateKey: KeyObject
  publicKey: KeyObject
  publicJwk: JWK
  createdAt: number
  retiredAt?: number
}

/**
 * The access-token signing keys, shared through the store so that every instance
 * signs with the same current key and verifies every other instance's tokens.
 * Keys are imported once and cached; the set is re-read from the store on an
 * unknown `kid` and on a timer, and rotated on schedule (see {@link rotateIfDue}).
 */
export class KeyRing {
  private keys: LoadedKey[] = []
  private loadedAt = 0
  private reload: Promise<void> | undefined

  constructor(
    private readonly store: Store,
    private readonly options: {
      alg: 'EdDSA' | 'ES256'
      /** Seconds a key signs before a new one takes over. */
      rotation: number
      /** Seconds an access token lives: a retired key is published this long after it stops signing. */
      accessTokenTtl: number
      now: () => number
    },
  ) {}

  /** Loads the shared set, creating it on first start (one instance wins the race). */
  async init(): Promise<void> {
    await this.load()
    if (this.keys.length === 0) {
      await this.store.keySets.putIfAbsent(KEY_SET, { keys: [this.generate()] }, this.recordTtl())
      await this.load()
    }
    await this.rotateIfDue()
  }

  /** The key that signs now. */
  get current(): LoadedKey {
    const key = this.keys[0]
    if (!key) throw new Error('KeyRing used before init()')
    return key
  }

  /** The public JWKS: the current key and every retired key whose tokens may still be alive. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((key) => key.publicJwk) }
  }

  /** The public key for `kid`, re-reading the shared set once when it is not known here. */
  async publicKey(kid: string): Promise<KeyObject | undefined> {
    const known = this.keys.find((key) => key.kid === kid)
    if (known) return known.publicKey
    await this.refresh()
    return this.keys.find((key) => key.kid === kid)?.publicKey
  }

  /** Re-reads the shared set (coalescing concurrent calls). */
  refresh(): Promise<void> {
    this.reload ??= this.load().finally(() => (this.reload = undefined))
    return this.reload
  }

  /**
   * Starts a new signing key when the current one is older than the rotation
   * period, and drops retired keys once no token they signed can be alive.
   * Instances race through a swap on the shared record; the loser adopts the
   * winner's set on its next read.
   */
  async rotateIfDue(): Promise<void> {
    const now = this.options.now()
    const current = this.keys[0]
    if (!current) return
    const due = now - current.createdAt >= this.options.rotation * 1000
    const graceMs = (this.options.accessTokenTtl + 60) * 1000
    const expired = (key: LoadedKey) => key.retiredAt !== undefined && now - key.retiredAt > graceMs
    if (!due && !this.keys.some(expired)) return

    const record = await this.store.keySets.get(KEY_SET)
    if (!record || record.keys[0]?.kid !== current.kid) return this.load()
    const keys = record.keys.filter((key) => !(key.retiredAt !== undefined && now - key.retiredAt > graceMs))
    if (due) {
      keys[0] = { ...keys[0]!, retiredAt: now }
      keys.unshift(this.generate())
    }
    const replaced = await this.store.keySets.swap(KEY_SET, { keys }, this.recordTtl())
    if (replaced && replaced.keys[0]?.kid !== current.kid) {
      // Another instance rotated first: put its set back, keep ours out.
      await this.store.keySets.put(KEY_SET, replaced, this.recordTtl())
    }
    await this.load()
  }

  /** How long since the set was read from the store, in ms. */
  get age(): number {
    return this.options.now() - this.loadedAt
  }

  private async load(): Promise<void> {
    const record = await this.store.keySets.get(KEY_SET)
    this.loadedAt = this.options.now()
    if (!record) return
    const cached = new Map(this.keys.map((key) => [key.kid, key]))
    this.keys = record.keys.map((stored) => {
      const known = cached.get(stored.kid)
      if (known) return { ...known, retiredAt: stored.retiredAt }
      return {
        kid: stored.kid,
        alg: stored.alg,
        privateKey: createPrivateKey({ key: stored.privateJwk as never, format: 'jwk' }),
        publicKey: createPublicKey({ key: stored.publicJwk as never, format: 'jwk' }),
        publicJwk: stored.publicJwk,
        createdAt: stored.createdAt,
        retiredAt: stored.retiredAt,
      }
    })
  }

  private generate(): KeySetRecord['keys'][number] {
    const { alg } = this.options
    const { privateKey, publicKey } =
      alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const kid = randomSecret(12)
    const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' }
    const privateJwk = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg }
    return { kid, alg, privateJwk, publicJwk, createdAt: this.options.now() }
  }

  /** The shared record outlives any one key by far; it is rewritten on every rotation. */
  private recordTtl(): number {
    return 10 * 365 * 86_400 * 1000
  }
}

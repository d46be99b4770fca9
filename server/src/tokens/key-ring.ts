import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import { StoreUnavailableError, type KeySetRecord, type Store } from '../store/index.js'
import { KeyEncryptionError, type KeyEncryption } from './key-encryption.js'
import { randomSecret } from './secrets.js'

const KEY_SET = 'current'
/** Held (SET NX) by the one instance changing the shared set; it expires by itself if that instance dies. */
const ROTATION_LOCK = 'rotation-lock'
const LOCK_TTL_MS = 10_000
/**
 * A new key is published this long before it signs (half the rotation period
 * when that is shorter), so that every instance and every resource server has
 * it before the first token it signs arrives: instances re-read the set every
 * minute, resource servers cache the JWKS for a minute (`max-age=60`) and
 * re-fetch on an unknown `kid` at most every few seconds.
 */
const MAX_PUBLISH_AHEAD_MS = 10 * 60_000
/** How long a retired key stays published beyond the access-token lifetime: clock skew and late switchers. */
const RETIRED_KEY_MARGIN_MS = 60_000
/** Waits between first reads while the store connects (Redis is usually there within a few ms of start). */
const CONNECT_RETRY_MS = [10, 20, 40, 80, 150]
/** The shared record outlives any one key by far; it is rewritten on every rotation. */
const RECORD_TTL_MS = 10 * 365 * 86_400 * 1000

/**
 * A key as stored. `activeFrom` (when it starts signing) extends
 * {@link KeySetRecord}; sets written before it existed have it equal to `createdAt`.
 * `retiredAt` is kept up to date for readers of that older format.
 */
type StoredKey = KeySetRecord['keys'][number] & { activeFrom?: number }

interface LoadedKey {
  kid: string
  alg: string
  privateKey: KeyObject
  publicKey: KeyObject
  publicJwk: JWK
  createdAt: number
  /** From this instant (ms) it is the key that signs, until a newer key's `activeFrom`. */
  activeFrom: number
  stored: StoredKey
}

/**
 * The access-token signing keys, shared through the store so that every instance
 * signs with the same current key and verifies every other instance's tokens.
 *
 * The set holds at most one *next* key (published, not signing yet), the
 * *current* key, and *retired* keys whose tokens may still be alive. Which key
 * signs follows from the clock and each key's `activeFrom`, so instances switch
 * together without another write. Changing the set (adding the next key,
 * dropping spent ones) is done by one instance at a time under a lock in the
 * store; should a lock be outlived, a writer that finds the set changed under it
 * merges instead of overwriting (see {@link rotateIfDue}).
 */
export class KeyRing {
  /** Newest `activeFrom` first. */
  private keys: LoadedKey[] = []
  private reload: Promise<boolean> | undefined

  constructor(
    private readonly store: Store,
    private readonly options: {
      alg: 'EdDSA' | 'ES256'
      /** Seconds a key signs before the next one takes over. */
      rotation: number
      /** Seconds an access token lives: a retired key is published this long (plus a minute) after it stops signing. */
      accessTokenTtl: number
      now: () => number
      /**
       * Seals private keys before they reach the store (AUTH_KEY_ENCRYPTION_KEY).
       * Without it they are stored in clear, and a set whose keys are sealed
       * cannot be used ({@link KeyEncryptionError}).
       */
      encryption?: KeyEncryption
      /** Told each time this instance publishes a new key into the shared set (for the metrics). */
      onRotation?: () => void
    },
  ) {}

  /**
   * Loads the shared set, creating it on first start (one instance wins the race).
   * Safe to call again. A store that is still connecting (Redis, just started) is
   * given a moment before this gives up with its StoreUnavailableError.
   */
  async init(): Promise<void> {
    if (!(await this.loadWhenConnected())) {
      const now = this.options.now()
      await this.store.keySets.putIfAbsent(KEY_SET, { keys: [this.generate(now, now)] }, RECORD_TTL_MS)
      if (!(await this.load())) throw new Error('the shared signing-key set is empty and could not be created')
    }
    await this.rotateIfDue()
  }

  /**
   * The key that signs now: the newest one whose `activeFrom` has passed. (If
   * none has, this instance's clock is behind the one that made the set: the
   * oldest key, which every verifier has.)
   */
  get current(): LoadedKey {
    const now = this.options.now()
    const key = this.keys.find((candidate) => candidate.activeFrom <= now) ?? this.keys.at(-1)
    if (!key) throw new Error('KeyRing used before init()')
    return key
  }

  /** The public JWKS: the next key, the current key, and every retired key whose tokens may still be alive. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((key) => key.publicJwk) }
  }

  /** The public key for `kid`, re-reading the shared set once when it is not known here. */
  async publicKey(kid: string): Promise<KeyObject | undefined> {
    return (await this.verificationKey(kid))?.publicKey
  }

  /**
   * The public key for `kid` with the algorithm it was made for. An unknown kid
   * re-reads the shared set (a key another instance just published), at most
   * once a second, so tokens with made-up kids cannot drive load onto the store.
   */
  async verificationKey(kid: string): Promise<{ publicKey: KeyObject; alg: string } | undefined> {
    let known = this.keys.find((key) => key.kid === kid)
    if (!known && this.options.now() - this.unknownKidReloadAt >= 1_000) {
      this.unknownKidReloadAt = this.options.now()
      await this.refresh()
      known = this.keys.find((key) => key.kid === kid)
    }
    return known && { publicKey: known.publicKey, alg: known.alg }
  }

  private unknownKidReloadAt = 0

  /** Re-reads the shared set (coalescing concurrent calls). */
  async refresh(): Promise<void> {
    this.reload ??= this.load().finally(() => (this.reload = undefined))
    await this.reload
  }

  /**
   * Publishes the next key once the current one is within the publish-ahead
   * window of its rotation period, and drops retired keys once no token they
   * signed can be alive. Run by every instance on a timer; one at a time
   * changes the set (the others read the result on their next check). If the
   * shared set has vanished (Redis flushed or restarted without persistence),
   * this instance's copy is put back, so rotation goes on and tokens already
   * issued keep verifying.
   */
  async rotateIfDue(): Promise<void> {
    const now = this.options.now()
    const stored = await this.store.keySets.get(KEY_SET)
    if (!stored || stored.keys.length === 0) return this.republish()
    if (!this.plan(stored.keys, now)) return this.adopt(stored.keys)
    if (!(await this.store.keySets.putIfAbsent(ROTATION_LOCK, { keys: [] }, LOCK_TTL_MS))) return this.adopt(stored.keys)
    try {
      // Read again under the lock: another instance may have changed the set since.
      const base = (await this.store.keySets.get(KEY_SET))?.keys ?? stored.keys
      const planned = this.plan(base, now)
      this.adopt(planned ? await this.write(planned, base, now) : base)
      if (planned?.some((key) => !base.some((old) => old.kid === key.kid))) this.options.onRotation?.()
    } finally {
      await this.store.keySets.delete(ROTATION_LOCK).catch(() => undefined)
    }
  }

  /** The set as it should be at `now`, or undefined when `stored` needs no change. */
  private plan(stored: StoredKey[], now: number): StoredKey[] | undefined {
    let keys = settle(stored, now, this.retiredKeyGraceMs)
    const current = keys.find((key) => activeFrom(key) <= now)
    // No key has taken over yet by our clock: ours is behind; leave the set to the others.
    if (!current) return undefined
    const rotationMs = this.options.rotation * 1000
    const ahead = Math.min(rotationMs / 2, MAX_PUBLISH_AHEAD_MS)
    const takeover = activeFrom(current) + rotationMs
    const hasNext = keys.some((key) => activeFrom(key) > now)
    if (!hasNext && now >= takeover - ahead) {
      keys = settle([this.generate(now, Math.max(takeover, now + ahead)), ...keys], now, this.retiredKeyGraceMs)
    }
    // Keys in clear (written before AUTH_KEY_ENCRYPTION_KEY was set) or sealed with the
    // previous encryption key are sealed again with the current one.
    if (keys.some((key) => this.needsSealing(key))) return keys.map((key) => this.sealed(key))
    return sameKeys(keys, stored) ? undefined : keys
  }

  private needsSealing(key: StoredKey): boolean {
    const { encryption } = this.options
    if (!encryption) return false
    return key.sealedPrivateJwk ? encryption.isStale(key.sealedPrivateJwk) : true
  }

  /** `key` as it should be stored: its private key sealed with the current encryption key (when there is one). */
  private sealed(key: StoredKey): StoredKey {
    const { encryption } = this.options
    if (!encryption || !this.needsSealing(key)) return key
    const { privateJwk: _clear, sealedPrivateJwk: _stale, ...rest } = key
    return { ...rest, sealedPrivateJwk: encryption.seal(this.privateJwkOf(key), key.kid) }
  }

  /** The private JWK of a stored key, opening it when it is sealed. */
  private privateJwkOf(key: StoredKey): JWK {
    if (key.sealedPrivateJwk) {
      if (!this.options.encryption) {
        throw new KeyEncryptionError(
          'the signing keys in the store are encrypted: set AUTH_KEY_ENCRYPTION_KEY (the same on every instance)',
        )
      }
      return this.options.encryption.open(key.sealedPrivateJwk, key.kid)
    }
    if (!key.privateJwk) throw new Error(`signing key ${key.kid} has no private key`)
    return key.privateJwk
  }

  /**
   * Swaps `keys` in for `base`. Should the stored set have changed since `base`
   * was read (only when a writer outlived its lock), merges both instead of
   * dropping the other writer's keys; every writer merges the same way, so the
   * set converges.
   */
  private async write(keys: StoredKey[], base: StoredKey[], now: number): Promise<StoredKey[]> {
    let expected = base
    let next = keys
    for (let attempt = 0; attempt < 3; attempt++) {
      const replaced = await this.store.keySets.swap(KEY_SET, { keys: next }, RECORD_TTL_MS)
      if (!replaced || sameKeys(replaced.keys, expected)) return next
      const merged = settle([...next, ...replaced.keys], now, this.retiredKeyGraceMs)
      if (sameKeys(merged, next)) return next
      expected = next
      next = merged
    }
    return next
  }

  /** Puts this instance's set back into an empty store (unless another instance already did), then reads it. */
  private async republish(): Promise<void> {
    const now = this.options.now()
    const keys = this.keys.length > 0 ? this.keys.map((key) => key.stored) : [this.generate(now, now)]
    await this.store.keySets.putIfAbsent(KEY_SET, { keys }, RECORD_TTL_MS)
    await this.load()
  }

  private async loadWhenConnected(): Promise<boolean> {
    for (const wait of CONNECT_RETRY_MS) {
      try {
        return await this.load()
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error
        await new Promise((resolve) => setTimeout(resolve, wait))
      }
    }
    return this.load()
  }

  /** Reads the shared set; false when there is none. */
  private async load(): Promise<boolean> {
    const record = await this.store.keySets.get(KEY_SET)
    if (!record || record.keys.length === 0) return false
    this.adopt(record.keys)
    return true
  }

  /** Makes `stored` this instance's set, importing only keys it has not seen. */
  private adopt(stored: StoredKey[]): void {
    const cached = new Map(this.keys.map((key) => [key.kid, key]))
    this.keys = sortNewestFirst(stored).map((entry) => {
      const known = cached.get(entry.kid)
      if (known) return { ...known, stored: entry }
      return {
        kid: entry.kid,
        alg: entry.alg,
        privateKey: createPrivateKey({ key: this.privateJwkOf(entry) as never, format: 'jwk' }),
        publicKey: createPublicKey({ key: entry.publicJwk as never, format: 'jwk' }),
        publicJwk: entry.publicJwk,
        createdAt: entry.createdAt,
        activeFrom: activeFrom(entry),
        stored: entry,
      }
    })
  }

  private generate(now: number, from: number): StoredKey {
    const { alg } = this.options
    const { privateKey, publicKey } =
      alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const kid = randomSecret(12)
    const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' }
    const privateJwk = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg }
    return this.sealed({ kid, alg, privateJwk, publicJwk, createdAt: now, activeFrom: from })
  }

  private get retiredKeyGraceMs(): number {
    return this.options.accessTokenTtl * 1000 + RETIRED_KEY_MARGIN_MS
  }
}

function activeFrom(key: StoredKey): number {
  return key.activeFrom ?? key.createdAt
}

function sortNewestFirst(keys: StoredKey[]): StoredKey[] {
  return [...keys].sort((a, b) => activeFrom(b) - activeFrom(a) || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0))
}

/**
 * The set `keys` settles to at `now`, the same on every instance: one entry per
 * kid; of several next keys (two writers raced) the earliest, ties to the
 * smaller kid; retired keys only while a token they signed may be alive, i.e.
 * for `graceMs` after the key that replaced them took over.
 */
function settle(keys: StoredKey[], now: number, graceMs: number): StoredKey[] {
  const unique = sortNewestFirst([...new Map(keys.map((key) => [key.kid, key])).values()])
  const taken = unique.filter((key) => activeFrom(key) <= now)
  if (taken.length === 0) return unique
  const next = unique
    .filter((key) => activeFrom(key) > now)
    .reduce<StoredKey | undefined>((best, key) => (best && !earlier(key, best) ? best : key), undefined)
  const kept = [
    ...(next ? [next] : []),
    ...taken.filter((_, index) => index === 0 || now - activeFrom(taken[index - 1]!) <= graceMs),
  ]
  return kept.map((key, index) => {
    const successor = kept[index - 1]
    const { retiredAt: _previous, ...rest } = key
    return successor ? { ...rest, retiredAt: activeFrom(successor) } : rest
  })
}

function earlier(a: StoredKey, b: StoredKey): boolean {
  return activeFrom(a) < activeFrom(b) || (activeFrom(a) === activeFrom(b) && a.kid < b.kid)
}

/** True when both sets hold the same kids (what matters for a write; the rest follows from them). */
function sameKeys(a: StoredKey[], b: StoredKey[]): boolean {
  if (a.length !== b.length) return false
  const kids = new Set(a.map((key) => key.kid))
  return b.every((key) => kids.has(key.kid))
}

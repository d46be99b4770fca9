import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../store/index.js'
import { KeyEncryption, KeyEncryptionError, decodeKeyEncryptionKey } from './key-encryption.js'
import { KeyRing } from './key-ring.js'

const jwk = { kty: 'OKP', crv: 'Ed25519', x: 'pub', d: 'very-private' }

describe('KeyEncryption (AES-256-GCM envelopes for the private signing keys)', () => {
  const key = randomBytes(32)
  const encryption = new KeyEncryption(key)

  it('seals so that nothing private shows, and opens what it sealed', () => {
    const sealed = encryption.seal(jwk, 'kid-1')
    expect(JSON.stringify(sealed)).not.toContain('very-private')
    expect(sealed).toMatchObject({ v: 1, kek: encryption.keyId })
    expect(encryption.open(sealed, 'kid-1')).toEqual(jwk)
  })

  it('refuses an altered envelope, and one moved to another kid', () => {
    const sealed = encryption.seal(jwk, 'kid-1')
    const ct = Buffer.from(sealed.ct, 'base64url')
    ct[0]! ^= 1
    expect(() => encryption.open({ ...sealed, ct: ct.toString('base64url') }, 'kid-1')).toThrow(KeyEncryptionError)
    expect(() => encryption.open(sealed, 'kid-2')).toThrow(KeyEncryptionError)
  })

  it('refuses a wrong key, naming AUTH_KEY_ENCRYPTION_KEY', () => {
    const sealed = encryption.seal(jwk, 'kid-1')
    const other = new KeyEncryption(randomBytes(32))
    expect(() => other.open(sealed, 'kid-1')).toThrow(/encrypted with another key/)
    try {
      other.open(sealed, 'kid-1')
    } catch (error) {
      expect((error as KeyEncryptionError).variable).toBe('AUTH_KEY_ENCRYPTION_KEY')
    }
  })

  it('opens with the previous key during a rotation, and calls such envelopes stale', () => {
    const sealed = encryption.seal(jwk, 'kid-1')
    const rotated = new KeyEncryption(randomBytes(32), key)
    expect(rotated.open(sealed, 'kid-1')).toEqual(jwk)
    expect(rotated.isStale(sealed)).toBe(true)
    expect(rotated.isStale(rotated.seal(jwk, 'kid-1'))).toBe(false)
  })

  it('decodes only 32 bytes of base64url', () => {
    expect(decodeKeyEncryptionKey(key.toString('base64url'))).toEqual(key)
    for (const bad of [
      '',
      'short',
      key.toString('base64'),
      randomBytes(31).toString('base64url'),
      `${key.toString('base64url')}=`,
    ]) {
      expect(decodeKeyEncryptionKey(bad), bad).toBeUndefined()
    }
  })
})

describe('KeyRing with AUTH_KEY_ENCRYPTION_KEY', () => {
  const stores: Store[] = []
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()))
  })

  async function setUp() {
    const store = await createStore({ maxPendingFlows: 1000 })
    stores.push(store)
    const ring = (encryption?: KeyEncryption) =>
      new KeyRing(store, { alg: 'EdDSA', rotation: 86_400, accessTokenTtl: 900, now: () => Date.UTC(2030, 0, 1), encryption })
    return { store, ring }
  }

  it('keeps every private key sealed in the store, and signs with it once opened', async () => {
    const { store, ring } = await setUp()
    const encryption = new KeyEncryption(randomBytes(32))
    const keys = ring(encryption)
    await keys.init()
    const stored = (await store.keySets.get('current'))!.keys
    expect(stored.length).toBeGreaterThan(0)
    for (const entry of stored) {
      expect(entry.privateJwk).toBeUndefined()
      expect(entry.sealedPrivateJwk).toMatchObject({ v: 1, kek: encryption.keyId })
    }
    const d = keys.current.privateKey.export({ format: 'jwk' }).d!
    expect(JSON.stringify(stored)).not.toContain(d)
  })

  it('another instance without the key, or with a wrong one, cannot load the set (KeyEncryptionError)', async () => {
    const { ring } = await setUp()
    await ring(new KeyEncryption(randomBytes(32))).init()
    await expect(ring().init()).rejects.toThrow(/set AUTH_KEY_ENCRYPTION_KEY/)
    await expect(ring(new KeyEncryption(randomBytes(32))).init()).rejects.toThrow(KeyEncryptionError)
  })

  it('seals a set written in clear (before the setting) at the first start with the key, keeping its kids', async () => {
    const { store, ring } = await setUp()
    const clear = ring()
    await clear.init()
    const before = (await store.keySets.get('current'))!.keys
    expect(before[0]!.privateJwk?.d).toBeTruthy()

    const encryption = new KeyEncryption(randomBytes(32))
    await ring(encryption).init()
    const after = (await store.keySets.get('current'))!.keys
    expect(after.map((key) => key.kid)).toEqual(before.map((key) => key.kid))
    for (const entry of after) expect(entry.privateJwk).toBeUndefined()
  })

  it('rotating the encryption key: with the old one as previous, the set is sealed again with the new one', async () => {
    const { store, ring } = await setUp()
    const oldKey = randomBytes(32)
    await ring(new KeyEncryption(oldKey)).init()
    const rotated = new KeyEncryption(randomBytes(32), oldKey)
    await ring(rotated).init()
    for (const entry of (await store.keySets.get('current'))!.keys) {
      expect(entry.sealedPrivateJwk?.kek).toBe(rotated.keyId)
    }
    // The old key alone no longer opens the set.
    await expect(ring(new KeyEncryption(oldKey)).init()).rejects.toThrow(KeyEncryptionError)
  })
})

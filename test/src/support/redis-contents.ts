import { execFile } from 'node:child_process'
import { createDecipheriv, createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { jose } from './jose.js'

const run = promisify(execFile)

type PrivateJwk = Parameters<typeof jose.importJWK>[0]

/** One `redis-cli` command against `url`; its raw output. */
async function cli(url: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-u', url, '--no-raw', ...args], { maxBuffer: 64 * 1024 * 1024 })
  return stdout
}

/**
 * Every key in the Redis at `url` with everything it holds, whatever its type,
 * as `redis-cli` prints it: what whoever reads a replica, a backup or a dump sees.
 */
export async function readEveryKey(url: string): Promise<Map<string, string>> {
  const keys = (await run('redis-cli', ['-u', url, '--scan'])).stdout.split('\n').filter(Boolean)
  const read: Record<string, string[]> = {
    string: ['GET'],
    hash: ['HGETALL'],
    list: ['LRANGE', '0', '-1'],
    set: ['SMEMBERS'],
    zset: ['ZRANGE', '0', '-1', 'WITHSCORES'],
    stream: ['XRANGE', '-', '+'],
  }
  const contents = new Map<string, string>()
  for (const key of keys) {
    const type = (await cli(url, 'TYPE', key)).trim()
    const command = read[type]
    if (!command) throw new Error(`key ${key} has type ${type}, which this reader does not know`)
    contents.set(key, await cli(url, command[0]!, key, ...command.slice(1)))
  }
  return contents
}

/** The shared key set (`bp:keys:current`) as Redis holds it. */
export async function readStoredKeySet(url: string): Promise<{ keys: Record<string, unknown>[] }> {
  const { stdout } = await run('redis-cli', ['-u', url, '--raw', 'GET', 'bp:keys:current'])
  // keyv's envelope: { value, expires }.
  const record = JSON.parse(stdout) as { value?: unknown }
  const value = typeof record.value === 'string' ? (JSON.parse(record.value) as unknown) : record.value
  return value as { keys: Record<string, unknown>[] }
}

/**
 * Signs `claims` with the private key of the set's newest key, as whoever can
 * read the store could: with the keys sealed, only together with
 * `encryptionKey` (AUTH_KEY_ENCRYPTION_KEY), by opening the AES-256-GCM
 * envelope (docs/deploy.md, Key encryption) independently of the server's
 * code; with the keys kept in clear (no AUTH_KEY_ENCRYPTION_KEY, outside
 * production), with `encryptionKey` undefined. For tests that need a token
 * only the real key can sign (a stretched `exp`, say), whether the service
 * runs in this process or not.
 */
export async function signWithStoredKey(
  redisUrl: string,
  encryptionKey: string | undefined,
  claims: Record<string, unknown>,
): Promise<string> {
  const set = await readStoredKeySet(redisUrl)
  const entry = [...set.keys].sort((a, b) => Number(b.activeFrom ?? b.createdAt) - Number(a.activeFrom ?? a.createdAt))[0]!
  const alg = String(entry.alg)
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg, kid: String(entry.kid), typ: 'at+jwt' })
    .sign(await jose.importJWK(privateJwkOf(entry, encryptionKey), alg))
}

/** The private JWK of a stored key: opened with `encryptionKey` if sealed, as stored if in clear (and then no key given). */
function privateJwkOf(entry: Record<string, unknown>, encryptionKey: string | undefined): PrivateJwk {
  if (!entry.sealedPrivateJwk) {
    if (encryptionKey !== undefined) throw new Error(`key ${String(entry.kid)} is not sealed`)
    return entry.privateJwk as PrivateJwk
  }
  if (encryptionKey === undefined) throw new Error(`key ${String(entry.kid)} is sealed: pass the encryption key`)
  const sealed = entry.sealedPrivateJwk as { kek: string; iv: string; ct: string; tag: string }
  const key = Buffer.from(encryptionKey, 'base64url')
  if (createHash('sha256').update(key).digest('base64url').slice(0, 16) !== sealed.kek)
    throw new Error('not sealed with this key')
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'))
  decipher.setAAD(Buffer.from(`boarding-pass signing key ${String(entry.kid)}`))
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'))
  return JSON.parse(
    Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]).toString(),
  ) as PrivateJwk
}

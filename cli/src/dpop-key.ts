import { randomUUID } from 'node:crypto'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'

/** The CLI's DPoP key (RFC 9449): what every token it gets is bound to, and what signs each call's proof. */
export interface DpopKey {
  privateKey: CryptoKey
  publicJwk: JWK
  /** RFC 7638 SHA-256 thumbprint: the `cnf.jkt` of tokens bound to it. */
  jkt: string
  /** Where it is kept. */
  file: string
}

const ALG = 'ES256'
const FILE_NAME = 'dpop-key.json'

/**
 * The OS's per-user configuration directory for Boarding Pass:
 * `%APPDATA%\boarding-pass` on Windows, `$XDG_CONFIG_HOME/boarding-pass` or
 * `~/.config/boarding-pass` elsewhere (macOS included, as most CLIs do).
 */
export function configDirectory(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'boarding-pass')
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config')
  return join(base, 'boarding-pass')
}

/**
 * The key pair of this user, made on first use: an ES256 private key as a JWK
 * in `dpop-key.json` (mode 0600) in {@link configDirectory} (mode 0700). A key
 * file that others can read is refused rather than used: whoever can read it
 * can use every token bound to it.
 */
export async function loadDpopKey(directory = configDirectory()): Promise<DpopKey> {
  const file = join(directory, FILE_NAME)
  let privateJwk: JWK | undefined
  try {
    const info = await stat(file)
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new Error(`${file} is readable by other users; run: chmod 600 ${file}`)
    }
    privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (!privateJwk) {
    const pair = await generateKeyPair(ALG, { extractable: true })
    privateJwk = { ...(await exportJWK(pair.privateKey)), alg: ALG }
    await mkdir(directory, { recursive: true, mode: 0o700 })
    await chmod(directory, 0o700)
    // 'wx': never overwrite a key another process has just written.
    await writeFile(file, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK
    })
  }
  const { kty, crv, x, y } = privateJwk!
  const publicJwk: JWK = { kty, crv, x, y }
  const privateKey = (await importJWK(privateJwk!, ALG)) as CryptoKey
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256'), file }
}

/** A DPoP proof for one request (`htu` without query), signed with jose; `accessToken` adds its `ath`. */
export async function dpopProof(key: DpopKey, method: string, url: string, accessToken?: string): Promise<string> {
  const htu = url.split(/[?#]/, 1)[0]!
  const claims: Record<string, string> = { htm: method, htu, jti: randomUUID() }
  if (accessToken) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))
    claims.ath = Buffer.from(digest).toString('base64url')
  }
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: ALG, jwk: key.publicJwk })
    .setIssuedAt()
    .sign(key.privateKey)
}

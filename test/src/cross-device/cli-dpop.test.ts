import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { jose } from '../support/jose.js'
import { expectRefusal } from '../support/refusal.js'
import { callProcedure } from '../support/trpc-http.js'
import { buildCli, runCli, type CliProcess } from './cli-process.js'
import { startDevService } from './service.js'

/**
 * Contract v1.2 in the CLI: a key pair in the per-user config directory (file
 * 0600, directory 0700), the tokens bound to it at `auth.complete`, and
 * `auth.me` called with a proof. The access token it prints is useless as Bearer.
 */
describe('the CLI signs in with DPoP (built, run as a child process)', () => {
  let bp: TestInstance
  const running: CliProcess[] = []
  const configHome = mkdtempSync(join(tmpdir(), 'bp-cli-dpop-'))

  beforeAll(async () => {
    await buildCli()
    bp = await startDevService({ AUTH_REDIRECT_URIS: 'http://127.0.0.1/callback' })
  })
  afterEach(() => {
    for (const child of running.splice(0)) child.kill()
  })
  afterAll(() => bp?.close())

  async function login(name: string): Promise<{ out: string; accessToken: string }> {
    const child = runCli(['login', '--url', bp.url, '--no-browser', '--print-token'], { XDG_CONFIG_HOME: configHome })
    running.push(child)
    const [, authorizationUrl] = await child.waitFor(/^\s+(http:\/\/\S+\/dev-idp\/auth\?\S+)$/m)
    const back = await browserlessLogin(authorizationUrl!, { name, stopAt: 'http://127.0.0.1:' })
    expect((await fetch(back.href)).status).toBe(200)
    expect(await child.exited, child.stderr()).toBe(0)
    const out = child.stdout()
    return { out, accessToken: /^Access token: (\S+)$/m.exec(out)![1]! }
  }

  it('binds its tokens to the key it keeps in $XDG_CONFIG_HOME/boarding-pass (0600 in 0700), and reuses that key', async () => {
    const first = await login('Ada Lovelace')
    // It printed the user: auth.me, called with a DPoP proof, answered.
    expect(first.out).toMatch(/Signed in as Ada Lovelace/)
    const directory = join(configHome, 'boarding-pass')
    const file = join(directory, 'dpop-key.json')
    expect(statSync(directory).mode & 0o777).toBe(0o700)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const { d: _private, ...publicJwk } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
    const jkt = await jose.calculateJwkThumbprint({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y })
    expect(jose.decodeJwt(first.accessToken).cnf).toEqual({ jkt })
    expect(first.out).toContain(`Bound (DPoP) to this user's key ${file} (thumbprint ${jkt})`)

    // The token copied out of the terminal is refused without the key.
    const stolen = await callProcedure(bp.url, 'auth.me', { bearer: first.accessToken })
    expectRefusal(stolen, 'invalid_token')
    expectRefusal(
      await callProcedure(bp.url, 'auth.me', { headers: { authorization: `DPoP ${first.accessToken}` } }),
      'invalid_token',
    )

    const second = await login('Ada Lovelace')
    expect(jose.decodeJwt(second.accessToken).cnf).toEqual({ jkt })
  })
})

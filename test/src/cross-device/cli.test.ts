import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { buildCli, runCli, type CliProcess } from './cli-process.js'
import { Phone } from './phone.js'
import { startDevService } from './service.js'

describe('the boarding-pass CLI (built, run as a child process) against Boarding Pass with the development provider', () => {
  let bp: TestInstance
  const running: CliProcess[] = []
  const cli = (...args: string[]) => {
    const child = runCli(args)
    running.push(child)
    return child
  }

  beforeAll(async () => {
    await buildCli()
    // The port-less loopback entry lets the CLI's listener use any port (RFC 8252 §7.3).
    bp = await startDevService({ AUTH_REDIRECT_URIS: 'http://127.0.0.1/callback' })
  })
  afterEach(() => {
    for (const child of running.splice(0)) child.kill()
  })
  afterAll(() => bp?.close())

  it('login (loopback): prints the address, the browser comes back to its 127.0.0.1 listener, it prints the user and exits 0', async () => {
    const login = cli('login', '--url', bp.url, '--no-browser', '--print-token')
    const [, authorizationUrl] = await login.waitFor(/^\s+(http:\/\/\S+\/dev-idp\/auth\?\S+)$/m)

    // The whole browser leg: provider login, callback, and the redirect to the CLI's own listener.
    const back = await browserlessLogin(authorizationUrl!, { name: 'Ada Lovelace', stopAt: 'http://127.0.0.1:' })
    expect(back.pathname).toBe('/callback')
    expect(Number(back.port)).toBeGreaterThan(0)
    const serverCode = back.searchParams.get('server_code')!
    expect(serverCode).toBeTruthy()

    // Something else reaching the listener first (another flow's redirect) is turned away and does not end the login.
    const stray = await fetch(`${back.origin}/callback?server_code=forged&flow=someone-elses-flow`)
    expect(stray.status).toBe(400)

    const page = await fetch(back.href)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('You can close this tab')

    expect(await login.exited).toBe(0)
    const out = login.stdout()
    expect(out).toMatch(/Signed in as Ada Lovelace/)
    expect(out).toMatch(/id:\s+dev:ada-lovelace/)
    expect(out).toMatch(/provider:\s+dev/)
    expect(out).toMatch(/kept in this process's memory only/)
    expect(out).not.toContain(serverCode)

    const [, accessToken] = /^Access token: (\S+)$/m.exec(out)!
    const claims = JSON.parse(Buffer.from(accessToken!.split('.')[1]!, 'base64url').toString('utf8')) as {
      sub: string
      iss: string
    }
    expect(claims).toMatchObject({ sub: 'dev:ada-lovelace', iss: bp.url })
  })

  it('login --device: prints a QR code, the user code and the link; a phone approves; it prints the user and exits 0', async () => {
    const login = cli('login', '--url', bp.url, '--device', '--provider', 'dev', '--name', 'CI laptop', '--yes')
    const [, link] = await login.waitFor(/^Link: (http:\/\/\S+\/link\?code=[A-Z]{4}-[A-Z]{4})$/m)
    const userCode = new URL(link!).searchParams.get('code')!
    expect(userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    const out = login.stdout()
    expect(out).toContain(userCode.split('').join(' '))
    expect(out).toContain(`open ${bp.url}/link`)
    expect(out).toMatch(/[▄▀█]{3,}/)
    await login.waitFor(/Waiting for you/)

    const phone = new Phone(bp.url)
    const confirm = await phone.open(userCode)
    expect(confirm.status).toBe(200)
    expect(confirm.text('link-device')).toBe('CI laptop')
    expect(confirm.text('link-started-on')).toBe('a command-line app')
    await login.waitFor(/Opened on your phone/)

    const next = await phone.answer('continue')
    expect(next.status).toBe(303)
    const callback = await browserlessLogin(next.location!, { name: 'Grace Hopper', stopAt: `${bp.url}/auth/callback` })
    const done = await phone.request('GET', `/auth/callback${callback.search}`)
    expect(done.text('link-done')).toBeDefined()

    expect(await login.exited).toBe(0)
    const final = login.stdout()
    expect(final).toMatch(/Approved on your phone/)
    expect(final).toMatch(/Signed in as Grace Hopper/)
    expect(final).toMatch(/id:\s+dev:grace-hopper/)
    expect(final).toMatch(/provider:\s+dev/)
    expect(final).not.toMatch(/Access token:/)
  })

  it('login --device, declined on the phone: says so and exits 1', async () => {
    const login = cli('login', '--url', bp.url, '--device')
    const [, link] = await login.waitFor(/^Link: (\S+)$/m)
    const phone = new Phone(bp.url)
    const confirm = await phone.open(new URL(link!).searchParams.get('code')!)
    expect(confirm.text('link-device')).toBeTruthy()
    expect((await phone.answer('decline')).status).toBe(200)

    expect(await login.exited).toBe(1)
    expect(login.stderr()).toMatch(/Declined on your phone/)
    expect(login.stdout()).not.toMatch(/Signed in as/)
  })

  it('login against a server that does not allow loopback redirects: exits 1 and says what to configure', async () => {
    const strict = await startDevService()
    try {
      const login = cli('login', '--url', strict.url, '--no-browser')
      expect(await login.exited).toBe(1)
      expect(login.stderr()).toMatch(/redirect_uri_not_allowed/)
      expect(login.stderr()).toContain('http://127.0.0.1/callback')
      expect(login.stderr()).toContain('AUTH_REDIRECT_URIS')
    } finally {
      await strict.close()
    }
  })

  it('prints usage with --help (exit 0) and for an unknown command (exit 2)', async () => {
    const help = cli('--help')
    expect(await help.exited).toBe(0)
    expect(help.stdout()).toMatch(/Usage: boarding-pass-cli login/)
    const unknown = cli('logout')
    expect(await unknown.exited).toBe(2)
  })
})

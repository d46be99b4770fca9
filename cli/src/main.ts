#!/usr/bin/env node
import { hostname } from 'node:os'
import { parseArgs } from 'node:util'
import { toDeviceName } from '@boarding-pass/shared'
import { reasonOf, type Login } from './client.js'
import { loginWithDevice } from './login-device.js'
import { loginWithLoopback } from './login-loopback.js'

const USAGE = `Usage: boarding-pass-cli login [options]

Signs this terminal in through a Boarding Pass server.

Options:
  --url <url>        the server's PUBLIC_URL (default: $BOARDING_PASS_URL or http://localhost:3000)
  --provider <id>    the sign-in provider (default: dev; with --device, chosen on the phone)
  --device           sign in from another device (phone): shows a QR code and a short code
  --name <name>      with --device: how this device is shown on the phone (default: the host name)
  --yes              with --device: keep the session without asking "Continue as …?" (needed when
                     not on a terminal; without it a non-interactive run signs the session out)
  --no-browser       print the sign-in address instead of opening a browser (also BOARDING_PASS_NO_BROWSER=1)
  --print-token      print the access token after signing in
  -h, --help         this text`

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.BOARDING_PASS_URL ?? 'http://localhost:3000' },
      provider: { type: 'string' },
      device: { type: 'boolean', default: false },
      name: { type: 'string' },
      yes: { type: 'boolean', default: false },
      'no-browser': { type: 'boolean', default: process.env.BOARDING_PASS_NO_BROWSER === '1' },
      'print-token': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help || positionals[0] !== 'login' || positionals.length > 1) {
    console.log(USAGE)
    return values.help ? 0 : 2
  }
  const url = values.url.replace(/\/+$/, '')

  const login = values.device
    ? await loginWithDevice({
        url,
        provider: values.provider,
        deviceName: toDeviceName(values.name ?? hostname()),
        yes: values.yes,
      })
    : await loginWithLoopback({ url, provider: values.provider ?? 'dev', openBrowser: !values['no-browser'] })
  printLogin(login, values['print-token'])
  return 0
}

function printLogin(login: Login, printToken: boolean): void {
  const { user } = login
  console.log('')
  console.log(`Signed in as ${user.name ?? user.id}`)
  console.log(`  id:       ${user.id}`)
  console.log(`  provider: ${user.provider}`)
  if (user.email) console.log(`  email:    ${user.email}`)
  console.log('')
  console.log(`Tokens: kept in this process's memory only (access token valid ${login.expiresIn} s).`)
  if (login.dpop) {
    console.log(`Bound (DPoP) to this user's key ${login.dpop.file} (thumbprint ${login.dpop.jkt}): useless without it.`)
  }
  console.log('A real client would keep the refresh token in the OS keychain (macOS Keychain, Windows')
  console.log('Credential Manager, libsecret), never in a plain file or in shell history.')
  if (printToken) console.log(`Access token: ${login.accessToken}`)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const reason = reasonOf(error)
    const message = error instanceof Error ? error.message : String(error)
    console.error(`boarding-pass: ${message}${reason ? ` (${reason})` : ''}`)
    if (reason === 'redirect_uri_not_allowed') {
      console.error('The server must list http://127.0.0.1/callback in AUTH_REDIRECT_URIS (no port: any port), or use --device.')
    }
    process.exitCode = 1
  },
)

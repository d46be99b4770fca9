import { createInterface } from 'node:readline'
import { createClientCodePair, type FlowStatusOutput } from '@boarding-pass/shared'
import QRCode from 'qrcode'
import { createClient, redeem, type Client, type Login } from './client.js'

export interface DeviceOptions {
  url: string
  /** Unset: the phone's page lets the user choose. */
  provider?: string
  /** Shown on the phone (as this device's claim), so the user knows what they approve; see `toDeviceName`. */
  deviceName?: string
  /**
   * Keep the session without asking "Continue as …?" (`--yes`). Without it, a
   * run whose stdin is not a terminal refuses: nobody could confirm the account.
   */
  yes?: boolean
}

/** The session was approved elsewhere but not kept here: refused at "Continue as …?", or nobody could answer. */
export class NotKeptError extends Error {
  override readonly name = 'NotKeptError'
}

/** What each status means to the person at the terminal. */
const SAY: Record<FlowStatusOutput['status'], string> = {
  pending: 'Waiting for you to scan the code or type it on your phone…',
  opened: 'Opened on your phone: check that it shows the same code, then continue there.',
  approved: 'Approved on your phone.',
  denied: 'Declined on your phone (or at the sign-in page). Nothing was signed in.',
  expired: 'The code expired before it was used. Run `boarding-pass-cli login --device` again.',
}

/**
 * Signs in from another device (PROTOCOL v1.1): this terminal keeps the Client
 * Code and shows a QR code and a short user code; the user approves on a phone;
 * `auth.watch` tells us live, and we redeem the Server Code ourselves. The phone
 * never sees the Client Code, a Server Code or a token.
 */
export async function loginWithDevice(options: DeviceOptions): Promise<Login> {
  const pair = await createClientCodePair()
  const client = createClient(options.url)
  const started = await client.auth.start.mutate({
    mode: 'cross-device',
    clientCodeHash: pair.clientCodeHash,
    hashMethod: pair.hashMethod,
    provider: options.provider,
    deviceName: options.deviceName,
  })
  if (!('userCode' in started)) throw new Error('the server answered auth.start with a redirect flow')

  console.log('Scan this with your phone to sign in:')
  console.log(await QRCode.toString(started.verificationUriComplete, { type: 'terminal', small: true }))
  console.log(`or open ${started.verificationUri} on any device and type this code:`)
  console.log('')
  console.log(bigCode(started.userCode))
  console.log('')
  console.log(`Link: ${started.verificationUriComplete}`)
  console.log(`It expires at ${new Date(started.expiresAt).toLocaleTimeString()}.`)
  console.log('')

  const outcome = await watch(client, started.flowId, Date.parse(started.expiresAt) - Date.now())
  if (outcome.status !== 'approved' || !outcome.serverCode) throw new Error(SAY[outcome.status])
  const login = await redeem(options.url, pair.clientCode, outcome.serverCode)
  await confirmAccount(options.url, login, options.yes ?? false)
  return login
}

/**
 * The TV takeover (RFC 10027 / BCP 247, RFC 8628 §5.4): anyone who saw the code
 * could have approved it with their own account. So before keeping the session,
 * say whose it is and ask "Continue as …?"; anything but yes signs that session
 * out (`auth.logout` with its refresh token) and keeps nothing. Without a
 * terminal nobody can answer: refuse, unless `--yes` said to keep it.
 */
async function confirmAccount(url: string, login: Login, yes: boolean): Promise<void> {
  const { user } = login
  const account = user.email ?? user.name ?? user.id
  const who = user.name && user.email ? `${user.name} <${user.email}>` : account
  console.log('')
  console.log(`The phone signed this device in as ${who} (${user.provider}).`)
  if (yes) return
  if (!process.stdin.isTTY) {
    await signOut(url, login)
    throw new NotKeptError(
      'not kept: this is not an interactive terminal, so nobody could confirm the account; that session was signed out. Run with --yes to keep the session without asking.',
    )
  }
  const answer = await ask(`Continue as ${account}? [y/N] `)
  if (/^\s*y(es)?\s*$/i.test(answer)) return
  await signOut(url, login)
  console.log(
    `Not kept: ${account} was signed out on this device. If you did not sign in on your phone, someone else did; nothing of theirs stays here.`,
  )
  throw new NotKeptError(`not kept: you did not continue as ${account}`)
}

/** Ends the session on the server: its refresh token, and every token of that login, stop working. */
async function signOut(url: string, login: Login): Promise<void> {
  await createClient(url).auth.logout.mutate({ refreshToken: login.refreshToken })
}

/** One line from the terminal; an empty answer when input ends (Ctrl-D). */
function ask(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true })
    let answered = false
    rl.once('close', () => {
      if (!answered) resolve('')
    })
    rl.question(question, (answer) => {
      answered = true
      rl.close()
      resolve(answer)
    })
  })
}

/**
 * Follows `auth.watch` until a final status, printing each change. If the
 * stream is still open a little after the flow's expiry, the flow is treated as
 * expired (the server says so too, but a silent network must not hang us).
 */
function watch(client: Client, flowId: string, msLeft: number): Promise<FlowStatusOutput> {
  return new Promise((resolve, reject) => {
    let last: FlowStatusOutput | undefined
    const finish = (outcome: FlowStatusOutput | Error) => {
      clearTimeout(timer)
      subscription.unsubscribe()
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }
    const timer = setTimeout(() => finish({ status: 'expired' }), Math.max(0, msLeft) + 5_000)
    const subscription = client.auth.watch.subscribe(
      { flowId },
      {
        onData(update) {
          if (update.status !== last?.status) console.log(SAY[update.status])
          last = update
          if (update.status === 'approved' || update.status === 'denied' || update.status === 'expired') finish(update)
        },
        onError: (error) => finish(new Error(`watching the sign-in failed: ${error.message}`)),
        onComplete: () => finish(last ?? new Error('the server ended the watch without an outcome')),
      },
    )
  })
}

/** The user code spaced out in a box, so it reads well from across a room. */
function bigCode(code: string): string {
  const spaced = code.split('').join(' ')
  const bar = '═'.repeat(spaced.length + 4)
  return [`  ╔${bar}╗`, `  ║  ${spaced}  ║`, `  ╚${bar}╝`].join('\n')
}

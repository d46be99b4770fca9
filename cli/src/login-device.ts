import { createClientCodePair, type FlowStatusOutput } from '@boarding-pass/shared'
import QRCode from 'qrcode'
import { createClient, redeem, type Client, type Login } from './client.js'

export interface DeviceOptions {
  url: string
  /** Unset: the phone's page lets the user choose. */
  provider?: string
  /** Shown on the phone, so the user knows what they approve. */
  deviceName: string
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
  return redeem(options.url, pair.clientCode, outcome.serverCode)
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

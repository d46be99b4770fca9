/**
 * Where a tab keeps a cross-device flow it started while it waits for the
 * phone: sessionStorage, under its flowId (`boarding-pass:device-flow:<flowId>`),
 * so a reload can show the same code and go on watching. A prefix of its own,
 * apart from the redirect flows' (`boarding-pass:flow:`): a `/callback` address
 * can never spend the Client Code of a flow that is waiting for a phone.
 */
const PREFIX = 'boarding-pass:device-flow:'

/** What the waiting screen shows: everything `auth.start` answered, with times as numbers. */
export interface DeviceFlowView {
  flowId: string
  /** `XXXX-XXXX`. */
  userCode: string
  /** `{PUBLIC_URL}/link`, to type into the phone. */
  verificationUri: string
  /** `{PUBLIC_URL}/link?code=XXXX-XXXX`, what the QR code holds. */
  verificationUriComplete: string
  /** Epoch ms; the server answers `expired` after this. */
  expiresAt: number
  /** Seconds between `auth.poll` calls. */
  interval: number
  /** The `deviceName` this tab sent, which the phone shows. */
  deviceName: string
}

/** A waiting flow as kept: the view, and the Client Code step 3 needs. */
export interface PendingDeviceFlow extends DeviceFlowView {
  clientCode: string
}

/** Keeps a flow (its Client Code included) until it ends. */
export function rememberDeviceFlow(flow: PendingDeviceFlow): void {
  sessionStorage.setItem(PREFIX + flow.flowId, JSON.stringify(flow))
}

/** Forgets a flow: it ended, was used, or was given up. */
export function forgetDeviceFlow(flowId: string): void {
  sessionStorage.removeItem(PREFIX + flowId)
}

/**
 * The newest flow this tab is still waiting on, if any; drops the ones that
 * have expired (and anything damaged) on the way.
 */
export function pendingDeviceFlow(now = Date.now()): PendingDeviceFlow | undefined {
  let newest: PendingDeviceFlow | undefined
  for (const key of Object.keys(sessionStorage)) {
    if (!key.startsWith(PREFIX)) continue
    const flow = parse(sessionStorage.getItem(key))
    if (!flow || flow.expiresAt <= now) sessionStorage.removeItem(key)
    else if (!newest || flow.expiresAt > newest.expiresAt) newest = flow
  }
  return newest
}

/** True when a reload should go straight back to the waiting screen. Cheap: the sign-in page asks it on every visit. */
export function hasPendingDeviceFlow(now = Date.now()): boolean {
  return pendingDeviceFlow(now) !== undefined
}

function parse(text: string | null): PendingDeviceFlow | undefined {
  if (!text) return undefined
  try {
    const value = JSON.parse(text) as Partial<PendingDeviceFlow>
    const strings = ['flowId', 'userCode', 'verificationUri', 'verificationUriComplete', 'deviceName', 'clientCode'] as const
    if (
      strings.every((name) => typeof value[name] === 'string') &&
      typeof value.expiresAt === 'number' &&
      typeof value.interval === 'number'
    ) {
      const { flowId, userCode, verificationUri, verificationUriComplete, expiresAt, interval, deviceName, clientCode } =
        value as PendingDeviceFlow
      return { flowId, userCode, verificationUri, verificationUriComplete, expiresAt, interval, deviceName, clientCode }
    }
  } catch {
    // not ours, or damaged: treated as absent
  }
  return undefined
}

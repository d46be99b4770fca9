import { readJson, storageKeys, type BoardingPassStorage } from './storage.js'

/** What step 3 needs from step 1 of a redirect flow. */
export interface PendingFlow {
  clientCode: string
  provider: string
  /** Epoch ms; the server refuses the flow after this anyway. */
  expiresAt: number
  /** Where the app wanted to go after signing in (a path), if it said. */
  returnTo?: string
}

/** A cross-device flow this tab is waiting on, kept so a reload can resume it. */
export interface PendingDeviceFlow {
  flowId: string
  clientCode: string
  userCode: string
  verificationUri: string
  verificationUriComplete: string
  /** Epoch ms. */
  expiresAt: number
  /** Seconds between polls. */
  interval: number
  deviceName?: string
}

/**
 * The Client Codes of flows under way, one key per flowId, so several flows
 * (and tabs) can be under way at once. Redirect flows and cross-device flows
 * have prefixes of their own: a callback address can never spend the Client
 * Code of a flow that is waiting for a phone.
 */
export function createFlowStore(storage: BoardingPassStorage, prefix: string) {
  const redirectPrefix = `${prefix}:flow:`
  const devicePrefix = `${prefix}:device-flow:`

  function prune(keyPrefix: string, now: number): void {
    for (const key of storageKeys(storage)) {
      if (!key.startsWith(keyPrefix)) continue
      const value = readJson(storage, key) as { expiresAt?: unknown } | undefined
      if (typeof value?.expiresAt !== 'number' || value.expiresAt <= now) storage.removeItem(key)
    }
  }

  return {
    redirectPrefix,
    remember(flowId: string, flow: PendingFlow): void {
      storage.setItem(redirectPrefix + flowId, JSON.stringify(flow))
    },
    /** Reads and forgets a flow in one step: a Client Code is used once. */
    take(flowId: string, now = Date.now()): PendingFlow | undefined {
      const key = redirectPrefix + flowId
      const value = readJson(storage, key) as Partial<PendingFlow> | undefined
      storage.removeItem(key)
      if (typeof value?.clientCode !== 'string' || typeof value.provider !== 'string') return undefined
      if (typeof value.expiresAt !== 'number' || value.expiresAt <= now) return undefined
      return {
        clientCode: value.clientCode,
        provider: value.provider,
        expiresAt: value.expiresAt,
        ...(typeof value.returnTo === 'string' ? { returnTo: value.returnTo } : {}),
      }
    },
    rememberDevice(flow: PendingDeviceFlow): void {
      storage.setItem(devicePrefix + flow.flowId, JSON.stringify(flow))
    },
    forgetDevice(flowId: string): void {
      storage.removeItem(devicePrefix + flowId)
    },
    /** The newest cross-device flow still live, if any. */
    pendingDevice(now = Date.now()): PendingDeviceFlow | undefined {
      let newest: PendingDeviceFlow | undefined
      for (const key of storageKeys(storage)) {
        if (!key.startsWith(devicePrefix)) continue
        const flow = readJson(storage, key) as PendingDeviceFlow | undefined
        const valid =
          flow &&
          ['flowId', 'clientCode', 'userCode', 'verificationUri', 'verificationUriComplete'].every(
            (name) => typeof flow[name as keyof PendingDeviceFlow] === 'string',
          ) &&
          typeof flow.expiresAt === 'number' &&
          typeof flow.interval === 'number'
        if (!valid || flow.expiresAt <= now) storage.removeItem(key)
        else if (!newest || flow.expiresAt > newest.expiresAt) newest = flow
      }
      return newest
    },
    /** Drops flows that can no longer complete (abandoned at the provider, say). */
    prune(now = Date.now()): void {
      prune(redirectPrefix, now)
      prune(devicePrefix, now)
    },
  }
}

export type FlowStore = ReturnType<typeof createFlowStore>

/**
 * Where a tab keeps the Client Code of a flow it started, between step 1 and
 * step 3: sessionStorage, so it survives the trip to the provider and a reload,
 * stays in this tab, and is gone when the tab closes. One key per flow
 * (`boarding-pass:flow:<flowId>`), so several flows can be under way at once.
 */
const PREFIX = 'boarding-pass:flow:'

/** What step 3 needs from step 1. */
export interface PendingFlow {
  clientCode: string
  provider: string
  /** Epoch ms; after this the server refuses the flow anyway. */
  expiresAt: number
}

/** Keeps the Client Code under its flowId until the provider sends the browser back. */
export function rememberFlow(flowId: string, flow: PendingFlow): void {
  sessionStorage.setItem(PREFIX + flowId, JSON.stringify(flow))
}

/**
 * Reads and forgets a flow in one step: a Client Code is used once. Undefined
 * when this tab never started that flow, or it has expired.
 */
export function takeFlow(flowId: string, now = Date.now()): PendingFlow | undefined {
  const key = PREFIX + flowId
  const flow = parse(sessionStorage.getItem(key))
  sessionStorage.removeItem(key)
  return flow && flow.expiresAt > now ? flow : undefined
}

/** Drops flows that can no longer complete (abandoned at the provider, say). */
export function forgetExpiredFlows(now = Date.now()): void {
  for (const key of Object.keys(sessionStorage)) {
    if (!key.startsWith(PREFIX)) continue
    const flow = parse(sessionStorage.getItem(key))
    if (!flow || flow.expiresAt <= now) sessionStorage.removeItem(key)
  }
}

function parse(text: string | null): PendingFlow | undefined {
  if (!text) return undefined
  try {
    const value = JSON.parse(text) as Partial<PendingFlow>
    if (typeof value.clientCode === 'string' && typeof value.provider === 'string' && typeof value.expiresAt === 'number') {
      return { clientCode: value.clientCode, provider: value.provider, expiresAt: value.expiresAt }
    }
  } catch {
    // not ours, or damaged: treated as absent
  }
  return undefined
}

import type { User } from './types.js'

/** A login's live tokens as one tab hands them to the others. */
export interface SharedTokens {
  /** Which login these belong to (a random label, not a secret). */
  sessionKey: string
  /** Rotation count: tabs adopt only tokens newer than their own. */
  generation: number
  accessToken: string
  tokenType: string
  refreshToken: string
  /** Epoch ms when the access token expires. */
  expiresAt: number
  user: User
}

/** What tabs of one origin tell each other. */
export type TabMessage =
  /** A tab that has just opened asks for the live tokens (of its own login, if it names one). */
  | { type: 'hello'; sessionKey?: string }
  /** A login's tokens were issued or rotated; also the answer to `hello`. */
  | { type: 'tokens'; tokens: SharedTokens }
  /** That login was ended: every tab holding it forgets it. */
  | { type: 'signed-out'; sessionKey: string }
  /** Lock fallback (no Web Locks): a tab is about to refresh this login; `ticket` breaks ties. */
  | { type: 'claim'; sessionKey: string; ticket: number }

export interface TabChannel {
  post(message: TabMessage): void
  close(): void
  /**
   * Runs `task` while no other tab of this origin runs one under the same name.
   * `peers`: whether another tab has been heard from; without Web Locks, the
   * claim round (which costs a pause) is only held when one has.
   */
  exclusive<T>(name: string, task: () => Promise<T>, peers?: boolean): Promise<T>
}

/** How long a claiming tab listens for a competing claim before it goes ahead (the fallback lock). */
const CLAIM_WAIT_MS = 60
/** How long a tab that lost a claim waits before it tries again (the winner's tokens usually arrive first). */
const CLAIM_BACKOFF_MS = 400

/**
 * Joins the origin's BroadcastChannel `name`. Messages never leave this
 * browser profile and origin. Without BroadcastChannel (Node, old browsers)
 * each client keeps to itself.
 *
 * `exclusive` is a Web Lock. Where Web Locks are missing but BroadcastChannel
 * is there, a tab announces a claim, listens a moment, and the lowest ticket
 * goes first; the others wait (the winner's new tokens usually reach them
 * meanwhile, and the caller checks for them before spending its refresh
 * token). Without either, one JavaScript context is all there is, and the
 * caller's own single-flight promise covers it.
 */
export function joinTabs(name: string, onMessage: (message: TabMessage) => void): TabChannel {
  const Channel = globalThis.BroadcastChannel as typeof BroadcastChannel | undefined
  const channel = Channel ? new Channel(name) : undefined
  const claims = new Map<string, number>()
  if (channel) {
    channel.onmessage = (event: MessageEvent<unknown>) => {
      if (!isTabMessage(event.data)) return
      // A tab of an older version (mid-deploy) sends no tokenType: its tokens are Bearer tokens.
      if (event.data.type === 'tokens') event.data.tokens.tokenType ??= 'Bearer'
      if (event.data.type === 'claim') {
        const mine = claims.get(event.data.sessionKey)
        if (mine !== undefined && event.data.ticket < mine) claims.set(event.data.sessionKey, -1)
        return
      }
      onMessage(event.data)
    }
  }
  const post = (message: TabMessage) => channel?.postMessage(message)

  async function claim<T>(sessionKey: string, task: () => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const ticket = Math.random()
      claims.set(sessionKey, ticket)
      post({ type: 'claim', sessionKey, ticket })
      await sleep(CLAIM_WAIT_MS)
      const won = claims.get(sessionKey) === ticket
      claims.delete(sessionKey)
      if (won) return task()
      await sleep(CLAIM_BACKOFF_MS)
    }
    return task()
  }

  return {
    post,
    close: () => channel?.close(),
    exclusive<T>(lockName: string, task: () => Promise<T>, peers = true): Promise<T> {
      const locks = (globalThis.navigator as (Navigator & { locks?: LockManager }) | undefined)?.locks
      if (locks) return locks.request(lockName, task) as Promise<T>
      return channel && peers ? claim(lockName, task) : task()
    },
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function isTabMessage(data: unknown): data is TabMessage {
  if (typeof data !== 'object' || data === null) return false
  const message = data as { type?: unknown; tokens?: Partial<SharedTokens>; sessionKey?: unknown; ticket?: unknown }
  switch (message.type) {
    case 'hello':
      return message.sessionKey === undefined || typeof message.sessionKey === 'string'
    case 'signed-out':
      return typeof message.sessionKey === 'string'
    case 'claim':
      return typeof message.sessionKey === 'string' && typeof message.ticket === 'number'
    case 'tokens': {
      const tokens = message.tokens
      return (
        typeof tokens?.sessionKey === 'string' &&
        typeof tokens.generation === 'number' &&
        typeof tokens.accessToken === 'string' &&
        (tokens.tokenType === undefined || typeof tokens.tokenType === 'string') &&
        typeof tokens.refreshToken === 'string' &&
        typeof tokens.expiresAt === 'number' &&
        typeof tokens.user?.id === 'string'
      )
    }
    default:
      return false
  }
}

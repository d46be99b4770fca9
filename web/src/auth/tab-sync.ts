import type { User } from '@boarding-pass/shared'

/** A login's live tokens as one tab hands them to the others. */
export interface SharedTokens {
  /** Which login these belong to (see `SavedSession.sessionKey`). */
  sessionKey: string
  /** Rotation count: tabs adopt only tokens newer than their own. */
  generation: number
  accessToken: string
  refreshToken: string
  /** Epoch ms when the access token expires. */
  expiresAt: number
  user: User
}

/** What tabs of this origin tell each other. */
export type TabMessage =
  /** A tab that has just opened asks for the live tokens (of its own login, if it names one). */
  | { type: 'hello'; sessionKey?: string }
  /** A login's tokens were issued or rotated; also the answer to `hello`. */
  | { type: 'tokens'; tokens: SharedTokens }
  /** That login was ended: every tab holding it forgets it. */
  | { type: 'signed-out'; sessionKey: string }

export interface TabChannel {
  post(message: TabMessage): void
  close(): void
}

const CHANNEL = 'boarding-pass'

/**
 * Joins the origin's BroadcastChannel. Messages never leave this browser
 * profile and this origin; a browser without BroadcastChannel simply keeps
 * each tab to itself.
 */
export function joinTabs(onMessage: (message: TabMessage) => void): TabChannel {
  if (typeof BroadcastChannel === 'undefined') return { post() {}, close() {} }
  const channel = new BroadcastChannel(CHANNEL)
  channel.onmessage = (event: MessageEvent<unknown>) => {
    if (isTabMessage(event.data)) onMessage(event.data)
  }
  return {
    post: (message) => channel.postMessage(message),
    close: () => channel.close(),
  }
}

/**
 * Runs `task` while holding the Web Lock `name`: across every tab of this
 * origin, one holder at a time, in request order. Without Web Locks (an old
 * browser) the task runs unguarded, which the server's reuse detection turns
 * into a sign-out at worst, never into a shared session.
 */
export async function withTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks
  return locks ? await locks.request(name, task) : await task()
}

function isTabMessage(data: unknown): data is TabMessage {
  if (typeof data !== 'object' || data === null) return false
  const message = data as { type?: unknown; tokens?: Partial<SharedTokens>; sessionKey?: unknown }
  switch (message.type) {
    case 'hello':
      return message.sessionKey === undefined || typeof message.sessionKey === 'string'
    case 'signed-out':
      return typeof message.sessionKey === 'string'
    case 'tokens': {
      const tokens = message.tokens
      return (
        typeof tokens?.sessionKey === 'string' &&
        typeof tokens.generation === 'number' &&
        typeof tokens.accessToken === 'string' &&
        typeof tokens.refreshToken === 'string' &&
        typeof tokens.expiresAt === 'number' &&
        typeof tokens.user?.id === 'string'
      )
    }
    default:
      return false
  }
}

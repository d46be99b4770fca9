/**
 * The one part of a login this tab keeps across reloads: its refresh token, in
 * sessionStorage (never localStorage: it must not outlive the tab or reach other
 * tabs except by {@link ./tab-sync}). The access token is never stored at all.
 */
const KEY = 'boarding-pass:session'

export interface SavedSession {
  /** A random label for the login, so tabs know whether they share it. Not a secret. */
  sessionKey: string
  refreshToken: string
  /** How many times this login's tokens were rotated; a larger number is newer. */
  generation: number
}

export function loadSession(): SavedSession | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<SavedSession> | null
    if (
      value &&
      typeof value.sessionKey === 'string' &&
      typeof value.refreshToken === 'string' &&
      typeof value.generation === 'number'
    ) {
      return { sessionKey: value.sessionKey, refreshToken: value.refreshToken, generation: value.generation }
    }
  } catch {
    // damaged: treated as absent
  }
  return undefined
}

export function saveSession(session: SavedSession): void {
  sessionStorage.setItem(KEY, JSON.stringify(session))
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY)
}

/** The path the provider leg returns to (the allow-listed redirect URI's path). */
export const CALLBACK_PATH = `${import.meta.env.BASE_URL}callback`

/** The redirect URI this app sends in `auth.start`. */
export function callbackUri(): string {
  return new URL(CALLBACK_PATH, window.location.origin).href
}

/** What the browser brought back to `/callback` (step 2's redirect). */
export type CallbackParams =
  | { kind: 'code'; serverCode: string; flowId: string }
  | { kind: 'error'; error: string; flowId?: string }
  /** `/callback` with nothing to finish: a reload after the codes were taken, or a stray visit. */
  | { kind: 'empty' }

const CALLBACK_PARAMS = ['server_code', 'flow', 'error', 'error_description']

/** The path the provider leg returns to (the allow-listed redirect URI's path). */
export const CALLBACK_PATH = `${import.meta.env.BASE_URL}callback`

/** The redirect URI this app sends in `auth.start`. */
export function callbackUri(): string {
  return new URL(CALLBACK_PATH, window.location.origin).href
}

/**
 * When the page is `/callback`, reads what the provider leg sent back and, in
 * the same synchronous step, removes it from the address bar and the current
 * history entry, so the Server Code is in neither a moment longer than needed
 * (nor in a reload, a bookmark or a shared link). Undefined on any other page.
 */
export function takeCallbackParams(): CallbackParams | undefined {
  const { pathname, search, hash } = window.location
  if (pathname !== CALLBACK_PATH) return undefined
  const params = new URLSearchParams(search)
  const rest = new URLSearchParams(search)
  for (const name of CALLBACK_PARAMS) rest.delete(name)
  const query = rest.toString()
  window.history.replaceState(null, '', `${pathname}${query ? `?${query}` : ''}${hash}`)

  const serverCode = params.get('server_code')
  const flowId = params.get('flow')
  const error = params.get('error')
  if (error) return { kind: 'error', error, flowId: flowId ?? undefined }
  if (serverCode && flowId) return { kind: 'code', serverCode, flowId }
  return { kind: 'empty' }
}

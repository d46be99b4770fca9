/** What the browser brought back to the redirect URI (step 2). */
export type CallbackParams =
  | { kind: 'code'; serverCode: string; flowId: string }
  | { kind: 'error'; error: string; flowId?: string }
  /** The redirect URI with nothing to finish: a reload after the codes were taken, or a stray visit. */
  | { kind: 'empty' }

const CALLBACK_PARAMS = ['server_code', 'flow', 'error', 'error_description']

/** True when `url` is the redirect URI (same origin and path), whatever its query. */
export function isCallbackUrl(url: URL, redirectUri: string): boolean {
  const target = new URL(redirectUri)
  return url.origin === target.origin && url.pathname === target.pathname
}

/**
 * Reads what the provider leg sent back and, in the same synchronous step,
 * takes it out of the address bar and the current history entry (when this
 * is the page's own address), so the Server Code is in neither a moment longer
 * than needed, nor in a reload, a bookmark or a shared link.
 */
export function takeCallbackParams(href: string): CallbackParams {
  const url = new URL(href)
  const params = url.searchParams
  const location = globalThis.location as Location | undefined
  if (location && location.href === href && typeof globalThis.history?.replaceState === 'function') {
    const rest = new URLSearchParams(url.search)
    for (const name of CALLBACK_PARAMS) rest.delete(name)
    const query = rest.toString()
    globalThis.history.replaceState(globalThis.history.state, '', `${url.pathname}${query ? `?${query}` : ''}${url.hash}`)
  }
  const serverCode = params.get('server_code')
  const flowId = params.get('flow')
  const error = params.get('error')
  if (error) return { kind: 'error', error, flowId: flowId ?? undefined }
  if (serverCode && flowId) return { kind: 'code', serverCode, flowId }
  return { kind: 'empty' }
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { finishProviderLeg } from '../flow/callback.js'
import type { Services } from '../services.js'
import { AuthError } from '../errors.js'
import { StoreUnavailableError } from '../store/index.js'
import { clientAddress } from './client-address.js'
import { page } from './html.js'
import { sendPage, sendUnavailablePage } from './headers.js'

/**
 * `GET /auth/callback`: the provider's redirect target (step 2). A live flow
 * ends in a 302 to the app's redirect URI; anything else in a 400 page, never a
 * redirect.
 */
export async function handleCallback(services: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD')
    return sendPage(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'))
  }
  if (req.method === 'HEAD') {
    // Link checkers and prefetchers HEAD it (contract v1.2): no provider leg, no Server Code, no counter moves.
    return sendPage(res, 200, page('Signing in', '<h1>Signing in…</h1>'))
  }
  const query = (req.url ?? '').split('?')[1] ?? ''
  const callbackUrl = new URL(`${services.settings.publicUrl}/auth/callback${query ? `?${query}` : ''}`)
  try {
    await services.limits.consume('callback', clientAddress(req, services.settings.trustProxyHops))
    const state = callbackUrl.searchParams.get('state')
    if (state) await services.limits.consume('callbackFlow', state.slice(0, 128))
    const outcome = await finishProviderLeg(services, callbackUrl)
    if (outcome.kind === 'redirect') {
      res.writeHead(302, { location: outcome.location, 'cache-control': 'no-store', 'content-length': 0 })
      res.end()
      return
    }
    if (outcome.kind === 'device_approved') {
      return sendPage(
        res,
        200,
        page(
          'Signed in',
          `<span class="badge">Approved</span>
<h1 data-test-id="link-done">Your other device is signed in</h1>
<p>You can close this page. Nothing else is needed on this phone.</p>`,
        ),
      )
    }
    if (outcome.kind === 'device_failed') {
      const why =
        outcome.reason === 'access_denied'
          ? 'You declined at the sign-in page.'
          : 'The sign-in provider did not complete the sign-in.'
      return sendPage(
        res,
        200,
        page(
          'Not signed in',
          `<h1 data-test-id="link-failed">Nothing was signed in</h1><p class="notice">${why} The other device has been told.</p>`,
        ),
      )
    }
    sendPage(
      res,
      400,
      page(
        'Sign-in expired',
        `<h1>This sign-in is not valid any more</h1>
<p>It has expired, was already used, or was never started here. Go back to the app and sign in again.</p>`,
      ),
    )
  } catch (error) {
    if (error instanceof AuthError && error.reason === 'rate_limited') {
      res.setHeader('retry-after', String(error.retryAfter ?? 60))
      return sendPage(
        res,
        429,
        page('Slow down', '<h1>Too many attempts</h1><p>Wait a minute, then go back to the app and sign in again.</p>'),
      )
    }
    if (error instanceof StoreUnavailableError) {
      return sendUnavailablePage(res)
    }
    throw error
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { answerLink, openLink, type LinkOutcome } from '../flow/cross-device/link.js'
import type { Services } from '../services.js'
import { StoreUnavailableError } from '../store/index.js'
import { AuthError } from '../errors.js'
import { BodyTooLargeError, readForm } from './body.js'
import { clientAddress } from './client-address.js'
import { readCookie, strictCookie } from './cookies.js'
import { escapeHtml, page as basePage } from './html.js'
import { isCrossSite } from './same-origin.js'
import { pageCsp, sendPage, sendUnavailablePage } from './headers.js'

/** The link cookie: `__Host-` over https, so a sibling sub-domain or plain http cannot plant it (cookie tossing). */
const COOKIE = 'bp_link'
const HOST_COOKIE = '__Host-bp_link'

/** A `/link` page: referrer policy same-origin, so its form POSTs carry their real `Origin` (under no-referrer it is `null`). */
const page = (title: string, body: string) => basePage(title, body, { referrer: 'same-origin' })

/**
 * `/link`: where the approving device (a phone) enters or scans the user code,
 * sees what is asking, and continues to the provider or declines. Plain HTML
 * forms, no script. Continue and Decline are POSTs that carry a one-time token
 * that must match this browser's cookie (CSRF and browser binding).
 */
export function createLinkRoute(services: Services) {
  const providerOrigins = new Map<string, string>()
  const secure = services.settings.publicUrl.startsWith('https://')
  const publicOrigin = new URL(services.settings.publicUrl).origin
  // `__Host-` requires Secure, Path=/ and no Domain.
  const cookie = secure ? { name: HOST_COOKIE, path: '/' } : { name: COOKIE, path: '/link' }

  /** Origins the confirmation form may end up at (Continue is a 303 to the provider). */
  async function formTargets(): Promise<string[]> {
    for (const { id } of services.providers.list()) {
      if (providerOrigins.has(id)) continue
      const url = await services.providers
        .get(id)
        ?.authorizationUrl({ state: 'x', nonce: 'x', pkceChallenge: 'x' })
        .catch(() => undefined)
      if (url) providerOrigins.set(id, url.origin)
    }
    return [...new Set(providerOrigins.values())]
  }

  async function render(res: ServerResponse, outcome: LinkOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'confirm': {
        res.setHeader(
          'set-cookie',
          strictCookie(cookie.name, outcome.token, {
            path: cookie.path,
            maxAge: (outcome.flow.expiresAt - services.now()) / 1000,
            secure,
          }),
        )
        return sendPage(res, 200, confirmPage(services, outcome), pageCsp(await formTargets()))
      }
      case 'redirect':
        res.writeHead(303, { location: outcome.location, 'cache-control': 'no-store', 'content-length': 0 })
        res.end()
        return
      case 'declined':
        return sendPage(
          res,
          200,
          page('Declined', '<h1>Declined</h1><p>Nothing was signed in. The other device has been told.</p>'),
        )
      case 'refused':
        if (outcome.status === 429) res.setHeader('retry-after', '60')
        return sendPage(
          res,
          outcome.status,
          page(
            outcome.title,
            `<h1>${escapeHtml(outcome.title)}</h1><p class="notice" role="alert">${escapeHtml(outcome.message)}</p>${codeForm()}`,
          ),
        )
    }
  }

  return async function handleLink(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const ip = clientAddress(req, services.settings.trustProxyHops)
    const cookieToken = readCookie(req, cookie.name)
    // Under `no-referrer` a browser's form POST says `Origin: null` (Fetch §3.2), which the check below must refuse;
    // `same-origin` lets it name its origin, and still sends no Referer (with the code in it) to any other origin.
    res.setHeader('Referrer-Policy', 'same-origin')
    try {
      if (req.method === 'POST' && isCrossSite(req, publicOrigin)) {
        // Another site's form (login CSRF, consent by cookie tossing): nothing is read, nothing changes.
        services.logger.warn({ path, origin: req.headers.origin?.slice(0, 100) }, 'cross-site POST to /link refused')
        req.resume()
        return sendPage(
          res,
          403,
          page(
            'Not allowed',
            '<h1>This request came from another site</h1><p class="notice" role="alert">Nothing was changed. To sign in on another device, open the link or type the code yourself.</p>',
          ),
        )
      }
      if (path === '/link' && (req.method === 'GET' || req.method === 'HEAD')) {
        const code = new URL(req.url ?? '/link', 'http://x').searchParams.get('code')
        // HEAD has no side effects at all (RFC 9110 §9.2.1); a GET shows the page and claims nothing (link.ts).
        if (!code || req.method === 'HEAD') return sendPage(res, 200, entryPage())
        return await render(res, await openLink(services, code, { ip, cookieToken }))
      }
      if (path === '/link' && req.method === 'POST') {
        const form = await readForm(req, 2048)
        return await render(res, await openLink(services, form.get('code') ?? '', { ip, cookieToken }))
      }
      if (path === '/link/answer' && req.method === 'POST') {
        const form = await readForm(req, 2048)
        const action = form.get('action') === 'decline' ? 'decline' : 'continue'
        return await render(
          res,
          await answerLink(services, {
            action,
            token: form.get('token') ?? undefined,
            cookieToken,
            provider: form.get('provider') ?? undefined,
          }),
        )
      }
      res.setHeader('allow', 'GET, POST')
      return sendPage(res, 405, page('Not allowed', '<h1>Not allowed</h1>'))
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendPage(res, 413, page('Too large', '<h1>That request was too large</h1>'))
      if (error instanceof StoreUnavailableError || (error instanceof AuthError && error.reason === 'store_unavailable')) {
        return sendUnavailablePage(res)
      }
      throw error
    }
  }
}

function codeForm(): string {
  return `<form method="post" action="/link" autocomplete="off">
  <label for="code">Code shown on your other device</label>
  <input id="code" name="code" type="text" inputmode="text" autocapitalize="characters" spellcheck="false"
         maxlength="16" placeholder="BCDF-GHJK" required data-test-id="link-code">
  <div class="actions"><button class="primary" type="submit" data-test-id="link-submit">Next</button></div>
</form>`
}

function entryPage(): string {
  return page(
    'Sign in on another device',
    `<span class="badge">Sign in from your phone</span>
<h1>Sign in on another device</h1>
<p>Type the code that your TV, computer or terminal is showing.</p>
${codeForm()}`,
  )
}

function confirmPage(services: Services, outcome: Extract<LinkOutcome, { kind: 'confirm' }>): string {
  const { flow } = outcome
  const seconds = Math.max(0, Math.round((services.now() - flow.createdAt) / 1000))
  const ago = seconds < 5 ? 'just now' : seconds < 90 ? `${seconds} seconds ago` : `${Math.round(seconds / 60)} minutes ago`
  const providers = services.providers.list()
  const fixed = flow.provider ? providers.find((p) => p.id === flow.provider) : undefined
  const choice = fixed
    ? `<input type="hidden" name="provider" value="${escapeHtml(fixed.id)}">`
    : `<fieldset><legend>Sign in with</legend>${providers
        .map(
          (p, i) =>
            `<label class="option"><input type="radio" name="provider" value="${escapeHtml(p.id)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(p.name)}</label>`,
        )
        .join('')}</fieldset>`
  // Only ever a warning: a shared address proves nothing (a NAT, a proxy), so it is never shown as reassurance.
  const network = outcome.sameNetwork
    ? ''
    : '<p class="warning" role="alert" data-test-id="link-network-warning"><strong>Warning:</strong> the device that asked is on a different network from this one. If it is not right next to you, decline.</p>'
  return page(
    'Is this you?',
    `<span class="badge">Is this you?</span>
<h1>Sign in on your other device?</h1>
<p>A device is asking to be signed in to <strong>${escapeHtml(new URL(services.settings.publicUrl).host)}</strong> with your account.</p>
<p class="note">What the device reports about itself, which we cannot check:</p>
<ul class="facts">
  ${
    flow.deviceName
      ? `<li>The device says its name is <strong data-test-id="link-device">${escapeHtml(flow.deviceName)}</strong></li>`
      : '<li>The device gave no name.</li>'
  }
  <li>Its browser says it is running <strong data-test-id="link-started-on">${escapeHtml(flow.startedOn)}</strong></li>
</ul>
<dl class="facts">
  <dt>Asked</dt><dd>${escapeHtml(ago)}</dd>
  ${fixed ? `<dt>Sign in with</dt><dd>${escapeHtml(fixed.name)}</dd>` : ''}
</dl>
<p>Check that your other screen shows this code:</p>
<p class="code" data-test-id="link-code-shown">${escapeHtml(outcome.userCode)}</p>
${network}
<p class="warning"><strong>Continue only if you started this yourself</strong>, on a device you can see right now. If someone sent you this link or code, decline: they are trying to get into your account.</p>
<form method="post" action="/link/answer">
  <input type="hidden" name="token" value="${escapeHtml(outcome.token)}">
  ${choice}
  <div class="actions">
    <button class="primary" type="submit" name="action" value="continue" data-test-id="link-continue">Continue</button>
    <button class="primary decline" type="submit" name="action" value="decline" data-test-id="link-decline">Decline</button>
  </div>
</form>`,
  )
}

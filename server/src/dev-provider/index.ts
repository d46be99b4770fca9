import { generateKeyPairSync } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Configuration, JWK } from 'oidc-provider'
import { randomSecret } from '../tokens/secrets.js'
import { escapeHtml, page } from '../http/html.js'
import { readForm } from '../http/body.js'
import { FOREIGN_PAGE_CSP } from '../http/headers.js'
import { createMemoryAdapter } from './memory-adapter.js'

/**
 * oidc-provider, imported without its "Unsupported runtime" line. oidc-provider 9
 * prints that on import under any Node.js older than 22 LTS: its authors support
 * 22 and later. This project runs on Node.js 20 (20.19+), and the development
 * provider, which signs people in on one machine and never runs in production,
 * works there: every test run drives it (and a second copy as the third-party
 * provider) through the whole flow. So the line would only alarm a newcomer on
 * first run; it is dropped, that one line only, while the module loads. Nothing
 * else oidc-provider prints is touched.
 */
const { default: Provider } = await (async () => {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return
    warn.apply(console, args)
  }
  try {
    return await import('oidc-provider')
  } finally {
    console.warn = warn
  }
})()

/**
 * oidc-provider runs every request it serves inside its AsyncLocalStorage
 * (`lib/helpers/als.js`), and in Node.js 20 a storage that has run once keeps
 * async hooks on every promise the process makes from then on: every request
 * of the broker's own paid for the development provider (an allocation and a
 * hook call per promise; `pnpm bench` runs with a configured provider for that
 * reason). The storage is disabled again whenever no request of the provider's
 * is in flight; its next request enables it again. oidc-provider reads it only
 * for client ID metadata documents, a feature this provider leaves off. A
 * layout where the file is missing or different leaves things as they were.
 */
const providerStorage = await import('oidc-provider/lib/helpers/als.js' as string).then(
  (module: { default?: { disable?: unknown } }) =>
    typeof module.default?.disable === 'function' ? (module.default as { disable(): void }) : undefined,
  () => undefined,
)

/** A client registered at the development provider. */
export interface DevClient {
  clientId: string
  clientSecret: string
  redirectUris: string[]
  /** How the client must authenticate at the token endpoint (oidc-provider's default: client_secret_basic). */
  tokenAuthMethod?: 'client_secret_basic' | 'client_secret_post'
}

/** A running development provider, mounted at its issuer's path. */
export interface DevProvider {
  issuer: string
  /** Handles a request under the issuer's path; false when the path is not its. */
  handle(req: IncomingMessage, res: ServerResponse): boolean
}

/**
 * A real OpenID provider (the `oidc-provider` package) with a plain login form
 * that accepts any name. It lets the whole flow run offline with no
 * configuration, and plays the third-party provider in tests. Never for
 * production: anyone can be anyone.
 */
export function createDevProvider(options: {
  issuer: string
  clients: DevClient[]
  title?: string
  /**
   * What `email_verified` says of every account's email (default true). Tests
   * set false to play a provider that vouches for no address.
   */
  emailVerified?: boolean
}): DevProvider {
  const issuer = options.issuer.replace(/\/+$/, '')
  const mountPath = new URL(issuer).pathname.replace(/\/+$/, '')
  const profiles = new Map<string, { name: string; email: string }>()

  const configuration: Configuration = {
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: client.tokenAuthMethod ?? 'client_secret_basic',
    })),
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    cookies: { keys: [randomSecret(32)] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}` },
    findAccount: (_ctx, accountId) => {
      const profile = profiles.get(accountId) ?? { name: accountId, email: `${accountId}@example.test` }
      return {
        accountId,
        claims: () => ({
          sub: accountId,
          name: profile.name,
          preferred_username: accountId,
          email: profile.email,
          email_verified: options.emailVerified ?? true,
        }),
      }
    },
    renderError: (ctx, out) => {
      ctx.type = 'html'
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p class="error">${escapeHtml(String(out.error))}</p>`)
    },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    // In memory by design (see memory-adapter.ts), said explicitly.
    adapter: createMemoryAdapter(),
    // Its own ID-token key, made at start, instead of oidc-provider's published quick-start keys.
    jwks: {
      keys: [
        {
          ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as JWK),
          alg: 'ES256',
          use: 'sig',
        },
      ],
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  }
  const provider = new Provider(issuer, configuration)
  const callback = provider.callback()
  const interactionPath = new RegExp(`^${mountPath}/interaction/([\\w-]+)$`)
  let inFlight = 0
  /** Counts a request in flight until its answer is done; the last one disables the provider's storage. */
  function track(res: ServerResponse): void {
    inFlight++
    res.once('close', () => {
      if (--inFlight === 0) providerStorage?.disable()
    })
  }

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string) {
    try {
      const details = await provider.interactionDetails(req, res)
      if (details.uid !== uid) throw new Error('interaction mismatch')
      const clientName = escapeHtml(String(details.params.client_id))
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        res.end(loginPage(uid, clientName, options.title ?? 'Development sign-in'))
        return
      }
      const form = await readForm(req, 4096)
      if (form.get('action') === 'deny') {
        await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'The user declined.' },
          {
            mergeWithLastSubmission: false,
          },
        )
        return
      }
      const name = (form.get('name') ?? '').trim().slice(0, 80)
      if (!name) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        res.end(loginPage(uid, clientName, options.title ?? 'Development sign-in', 'Enter a name to sign in as.'))
        return
      }
      const accountId =
        name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '') || 'user'
      profiles.set(accountId, { name, email: `${accountId}@example.test` })
      const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) })
      grant.addOIDCScope(String(details.params.scope ?? 'openid'))
      const grantId = await grant.save()
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      )
    } catch {
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        res.end(page('Sign-in expired', '<h1>This sign-in has expired</h1><p>Go back to the app and start again.</p>'))
      }
    }
  }

  return {
    issuer,
    handle(req, res) {
      const url = req.url ?? '/'
      if (url !== mountPath && !url.startsWith(`${mountPath}/`) && !url.startsWith(`${mountPath}?`)) return false
      // Its login and error pages are HTML on the broker's origin: no script, no framing (issue 13 item 6).
      res.setHeader('content-security-policy', FOREIGN_PAGE_CSP)
      track(res)
      const path = url.split('?')[0] ?? ''
      const match = interactionPath.exec(path)
      if (match?.[1] && (req.method === 'GET' || req.method === 'POST')) {
        void interaction(req, res, match[1])
        return true
      }
      ;(req as IncomingMessage & { originalUrl?: string }).originalUrl = url
      req.url = url.slice(mountPath.length) || '/'
      void callback(req, res)
      return true
    },
  }
}

function loginPage(uid: string, clientName: string, title: string, error?: string): string {
  return page(
    title,
    `<span class="badge">Development provider</span>
<h1>${escapeHtml(title)}</h1>
<p>Sign in to <strong>${clientName}</strong> as anyone: this provider is for development and accepts any name.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(uid)}" autocomplete="off">
  <label for="name">Your name</label>
  <input id="name" name="name" type="text" maxlength="80" autofocus placeholder="Ada Lovelace" data-test-id="dev-login-name">
  <div class="actions">
    <button class="primary" type="submit" name="action" value="login" data-test-id="dev-login-submit">Sign in</button>
    <button class="secondary" type="submit" name="action" value="deny" data-test-id="dev-login-deny">Deny</button>
  </div>
</form>`,
  )
}

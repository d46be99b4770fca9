import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { freePort } from './ports.js'

/** A GitHub account as `GET /user` returns it. */
export interface FakeGithubAccount {
  id: number
  login: string
  name: string | null
  email: string | null
  avatar_url: string
}

/** An entry of `GET /user/emails`. */
export interface FakeGithubEmail {
  email: string
  primary: boolean
  verified: boolean
  visibility: 'public' | 'private' | null
}

/**
 * A FAKE of GitHub's hosted OAuth and REST endpoints (they cannot run here),
 * shaped like GitHub Enterprise Server: the web flow at `/login/oauth/*`, the
 * REST API under `/api/v3`. It checks what GitHub checks: the client id and
 * secret, a single-use code bound to its redirect_uri, and PKCE (S256).
 */
export interface FakeGithub {
  /** For AUTH_GITHUB_URL. */
  webUrl: string
  /** For AUTH_GITHUB_API_URL. */
  apiUrl: string
  clientId: string
  clientSecret: string
  account: FakeGithubAccount
  emails: FakeGithubEmail[]
  /** The query of every authorize request, in order. */
  authorizeRequests: URLSearchParams[]
  /** The form of every token request, in order. */
  tokenRequests: URLSearchParams[]
  /**
   * Makes the token endpoint refuse. `status: 200` is what github.com really
   * does (an error object with HTTP 200); 400 is RFC 6749 §5.2.
   */
  failTokenEndpoint: { status: 200 | 400; error: string } | undefined
  /** Makes the authorize endpoint send the user back with `error=access_denied` (the user clicked Cancel). */
  denyAuthorization: boolean
  close(): Promise<void>
}

export async function startFakeGithub(): Promise<FakeGithub> {
  const port = await freePort()
  const webUrl = `http://127.0.0.1:${port}`
  const codes = new Map<string, { redirectUri: string; challenge: string; method: string }>()
  const accessTokens = new Set<string>()

  const fake: FakeGithub = {
    webUrl,
    apiUrl: `${webUrl}/api/v3`,
    clientId: 'Iv1.fakegithubclient',
    clientSecret: 'fake-github-secret-for-tests-only',
    account: {
      id: 583231,
      login: 'octocat',
      name: 'The Octocat',
      email: null,
      avatar_url: 'https://avatars.githubusercontent.com/u/583231?v=4',
    },
    emails: [
      { email: 'octocat@users.noreply.github.com', primary: false, verified: true, visibility: null },
      { email: 'unverified@example.test', primary: false, verified: false, visibility: null },
      { email: 'octocat@github.example', primary: true, verified: true, visibility: 'public' },
    ],
    authorizeRequests: [],
    tokenRequests: [],
    failTokenEndpoint: undefined,
    denyAuthorization: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(body))
  }
  const tokenError = (res: ServerResponse, status: 200 | 400, error: string) =>
    json(res, status, { error, error_description: `fake: ${error}`, error_uri: 'https://docs.github.com/apps' })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', webUrl)

    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const query = url.searchParams
      fake.authorizeRequests.push(query)
      const redirectUri = query.get('redirect_uri')
      if (query.get('client_id') !== fake.clientId || !redirectUri) return json(res, 404, { message: 'Not Found' })
      const back = new URL(redirectUri)
      if (fake.denyAuthorization) {
        back.searchParams.set('error', 'access_denied')
        back.searchParams.set('error_description', 'The user has denied your application access.')
      } else {
        const code = randomBytes(10).toString('hex')
        codes.set(code, {
          redirectUri,
          challenge: query.get('code_challenge') ?? '',
          method: query.get('code_challenge_method') ?? '',
        })
        back.searchParams.set('code', code)
      }
      const state = query.get('state')
      if (state) back.searchParams.set('state', state)
      res.writeHead(302, { location: back.href })
      res.end()
      return
    }

    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const chunks: Buffer[] = []
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk)
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      fake.tokenRequests.push(form)
      if (fake.failTokenEndpoint) return tokenError(res, fake.failTokenEndpoint.status, fake.failTokenEndpoint.error)
      if (form.get('client_id') !== fake.clientId || form.get('client_secret') !== fake.clientSecret) {
        return tokenError(res, 200, 'incorrect_client_credentials')
      }
      const grant = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      if (!grant) return tokenError(res, 200, 'bad_verification_code')
      if (form.has('redirect_uri') && form.get('redirect_uri') !== grant.redirectUri) {
        return tokenError(res, 200, 'redirect_uri_mismatch')
      }
      const verifier = form.get('code_verifier') ?? ''
      if (grant.method !== 'S256' || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
        return tokenError(res, 200, 'bad_verification_code')
      }
      const accessToken = `gho_${randomBytes(18).toString('hex')}`
      accessTokens.add(accessToken)
      return json(res, 200, { access_token: accessToken, token_type: 'bearer', scope: 'read:user,user:email' })
    }

    if (req.method === 'GET' && (url.pathname === '/api/v3/user' || url.pathname === '/api/v3/user/emails')) {
      const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
      if (!token || !accessTokens.has(token)) {
        return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
      }
      return json(res, 200, url.pathname.endsWith('/emails') ? fake.emails : fake.account)
    }

    json(res, 404, { message: 'Not Found' })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return fake
}

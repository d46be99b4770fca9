import { tokenResponse, userSchema } from '@boarding-pass/shared'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { startFakeGithub, type FakeGithub } from '../support/fake-github.js'
import { beginFlow, obtainServerCode, sendCallback, type StartedFlow } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

describe('GitHub provider against a FAKE of GitHub’s hosted endpoints (AUTH_GITHUB_URL / AUTH_GITHUB_API_URL, as for GitHub Enterprise Server)', () => {
  let github: FakeGithub
  let bp: TestInstance
  let redirectUri: string

  beforeAll(async () => {
    github = await startFakeGithub()
    bp = await startBoardingPass({
      REDIS_URL: inject('redisUrl'),
      AUTH_RATE_LIMITS: 'off',
      AUTH_PROVIDERS: 'github',
      AUTH_GITHUB_ID: github.clientId,
      AUTH_GITHUB_SECRET: github.clientSecret,
      AUTH_GITHUB_URL: github.webUrl,
      AUTH_GITHUB_API_URL: github.apiUrl,
    })
    redirectUri = `${bp.url}/callback`
  })
  afterAll(async () => {
    await bp?.close()
    await github?.close()
  })
  afterEach(() => {
    github.failTokenEndpoint = undefined
    github.denyAuthorization = false
    github.account.email = null
  })

  /** Runs the browser's part: GitHub's authorize redirect, then the callback at Boarding Pass (not followed). */
  async function throughGithub(flow: StartedFlow): Promise<Response> {
    const authorize = await fetch(flow.authorizationUrl, { redirect: 'manual' })
    expect(authorize.status).toBe(302)
    const callback = new URL(authorize.headers.get('location')!)
    expect(`${callback.origin}${callback.pathname}`).toBe(`${bp.url}/auth/callback`)
    return sendCallback(bp.address, callback)
  }

  function errorOf(response: Response): string | null {
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location')!)
    expect(location.searchParams.has('server_code')).toBe(false)
    return location.searchParams.get('error')
  }

  it('is listed as { id: "github", name: "GitHub" }', async () => {
    expect((await callProcedure(bp.url, 'auth.providers')).body.result?.data).toEqual([{ id: 'github', name: 'GitHub' }])
  })

  it('sends the browser to GitHub’s authorize endpoint with state, PKCE S256 and the registered callback', async () => {
    const flow = await beginFlow(bp.url, { provider: 'github', redirectUri })
    const url = new URL(flow.authorizationUrl)
    expect(`${url.origin}${url.pathname}`).toBe(`${github.webUrl}/login/oauth/authorize`)
    expect(url.searchParams.get('client_id')).toBe(github.clientId)
    expect(url.searchParams.get('redirect_uri')).toBe(`${bp.url}/auth/callback`)
    expect(url.searchParams.get('state')).toBe(flow.flowId)
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['read:user', 'user:email']))
    // The Client Code Hash is ours; it is never handed to the provider.
    expect(url.href).not.toContain(flow.pair.clientCodeHash)
  })

  it('signs in: user id github:<numeric id>, name, and the primary verified email from /user/emails', async () => {
    const { flow, serverCode } = await obtainServerCode(bp.url, { provider: 'github', redirectUri })
    const complete = await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: flow.pair.clientCode, serverCode } })
    expect(complete.status).toBe(200)
    const tokens = tokenResponse.parse(complete.body.result!.data)
    expect(tokens.user).toEqual({
      id: 'github:583231',
      provider: 'github',
      name: 'The Octocat',
      email: 'octocat@github.example',
      picture: 'https://avatars.githubusercontent.com/u/583231?v=4',
    })
    const me = await callProcedure(bp.url, 'auth.me', { bearer: tokens.accessToken })
    expect(userSchema.parse(me.body.result!.data)).toEqual(tokens.user)

    // The code was redeemed with the client's credentials and the PKCE verifier.
    const token = github.tokenRequests.at(-1)!
    expect(token.get('client_id')).toBe(github.clientId)
    expect(token.get('code_verifier')).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/)
  })

  it('the same GitHub account is the same user id on every login (the numeric id, not the login name)', async () => {
    const first = await obtainServerCode(bp.url, { provider: 'github', redirectUri })
    const a = await callProcedure(bp.url, 'auth.complete', {
      mutation: { clientCode: first.flow.pair.clientCode, serverCode: first.serverCode },
    })
    github.account.login = 'octocat-renamed'
    const second = await obtainServerCode(bp.url, { provider: 'github', redirectUri })
    const b = await callProcedure(bp.url, 'auth.complete', {
      mutation: { clientCode: second.flow.pair.clientCode, serverCode: second.serverCode },
    })
    github.account.login = 'octocat'
    expect(tokenResponse.parse(b.body.result!.data).user.id).toBe(tokenResponse.parse(a.body.result!.data).user.id)
  })

  it('a public profile email is used as it is', async () => {
    github.account.email = 'public@github.example'
    const { flow, serverCode } = await obtainServerCode(bp.url, { provider: 'github', redirectUri })
    const complete = await callProcedure(bp.url, 'auth.complete', { mutation: { clientCode: flow.pair.clientCode, serverCode } })
    expect(tokenResponse.parse(complete.body.result!.data).user.email).toBe('public@github.example')
  })

  it('the user cancels at GitHub → error=access_denied', async () => {
    github.denyAuthorization = true
    const flow = await beginFlow(bp.url, { provider: 'github', redirectUri })
    expect(errorOf(await throughGithub(flow))).toBe('access_denied')
  })

  it('the token endpoint refuses with an RFC 6749 error (HTTP 400) → error=provider_error', async () => {
    github.failTokenEndpoint = { status: 400, error: 'invalid_grant' }
    const flow = await beginFlow(bp.url, { provider: 'github', redirectUri })
    expect(errorOf(await throughGithub(flow))).toBe('provider_error')
  })

  it('the token endpoint refuses the way github.com does (HTTP 200 with {"error":"bad_verification_code"}) → error=provider_error', async () => {
    github.failTokenEndpoint = { status: 200, error: 'bad_verification_code' }
    const flow = await beginFlow(bp.url, { provider: 'github', redirectUri })
    expect(errorOf(await throughGithub(flow))).toBe('provider_error')
  })

  it('a forged code is refused by GitHub → error=provider_error, and no Server Code', async () => {
    const flow = await beginFlow(bp.url, { provider: 'github', redirectUri })
    const response = await sendCallback(bp.address, `?code=forged&state=${flow.flowId}`)
    expect(errorOf(response)).toBe('provider_error')
  })
})

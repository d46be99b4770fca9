import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { startFakeGithub, type FakeGithub, type FakeGithubEmail } from '../support/fake-github.js'
import type { Service } from '../support/service.js'
import { signIn } from '../support/sign-in.js'
import { startAttackedService } from './harness/service.js'

/**
 * Services trust `user.email`, and the first one that links accounts by email
 * would hand a victim's account to whoever can make a provider report the
 * victim's address unverified. An address the provider does not vouch for
 * never reaches `user.email` (issue 13, mutation-testing gaps).
 */
describe('an unverified email never becomes user.email', () => {
  describe('an OpenID provider (a real oidc-provider) that says email_verified: false', () => {
    let unverified: Service
    let verified: Service

    beforeAll(async () => {
      ;[unverified, verified] = await Promise.all([
        startAttackedService({ emailVerified: false }),
        startAttackedService({ emailVerified: true }),
      ])
    })
    afterAll(async () => {
      await unverified?.close()
      await verified?.close()
    })

    it('signs in, with no email in the token response', async () => {
      const tokens = await signIn(unverified.bp.url, { redirectUri: unverified.redirectUri, name: 'Mallory' })
      expect(tokens.user.id).toMatch(/^acme:/)
      expect(tokens.user.email).toBeUndefined()
    })

    it('the same provider saying email_verified: true gives the email (the control)', async () => {
      const tokens = await signIn(verified.bp.url, { redirectUri: verified.redirectUri, name: 'Mallory' })
      expect(tokens.user.email).toBe('mallory@example.test')
    })
  })

  describe('fake GitHub (GitHub’s hosted API cannot run here): a primary but unverified address', () => {
    let github: FakeGithub
    let bp: TestInstance
    let original: FakeGithubEmail[]

    beforeAll(async () => {
      github = await startFakeGithub()
      original = github.emails
      bp = await startBoardingPass({
        REDIS_URL: inject('redisUrl'),
        AUTH_RATE_LIMITS: 'off',
        AUTH_PROVIDERS: 'github',
        AUTH_GITHUB_ID: github.clientId,
        AUTH_GITHUB_SECRET: github.clientSecret,
        AUTH_GITHUB_URL: github.webUrl,
        AUTH_GITHUB_API_URL: github.apiUrl,
      })
    })
    afterAll(async () => {
      await bp?.close()
      await github?.close()
    })

    const signInWithGithub = () => signIn(bp.url, { redirectUri: `${bp.url}/callback`, provider: 'github' })

    it('a primary address that is not verified is not user.email (only a verified non-primary one exists)', async () => {
      github.emails = [
        { email: 'victim@example.test', primary: true, verified: false, visibility: 'private' },
        { email: 'octocat@users.noreply.github.com', primary: false, verified: true, visibility: null },
      ]
      const tokens = await signInWithGithub()
      expect(tokens.user.id).toBe('github:583231')
      expect(tokens.user.email).toBeUndefined()
    })

    it('the same address once verified is user.email (the control)', async () => {
      github.emails = [{ email: 'victim@example.test', primary: true, verified: true, visibility: 'private' }]
      expect((await signInWithGithub()).user.email).toBe('victim@example.test')
      github.emails = original
    })
  })
})

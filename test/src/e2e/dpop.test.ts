import type { Page, Request } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { demoInChromium, openPage, screenshot } from '../support/browser.js'
import { callProcedure } from '../support/trpc-http.js'
import { byTestId, isCall, signIn, storageOf, textOf, waitForText } from './flow.js'

/** The claims of a JWT, unverified (what the test reads, not what anyone trusts). */
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { cnf?: { jkt?: string } }

/** The refresh token this tab kept in sessionStorage (where a script on the page could read it). */
async function storedRefreshToken(page: Page): Promise<string> {
  const saved = (await storageOf(page)).session['boarding-pass:session']
  return (JSON.parse(saved ?? '{}') as { refreshToken?: string }).refreshToken ?? ''
}

describe('DPoP in the demo, in Chromium: tokens bound to a non-extractable key in IndexedDB (2 s access tokens)', () => {
  const demo = demoInChromium({ AUTH_ACCESS_TOKEN_TTL: '2' })

  it('binds the tokens (cnf.jkt in the inspector); tokens copied out of the browser are refused from Node; the app keeps working', async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    const proofs: Array<{ path: string; authorization: string | undefined; dpop: string | undefined }> = []
    page.on('request', (request: Request) => {
      const url = new URL(request.url())
      if (!url.pathname.startsWith('/trpc/')) return
      const headers = request.headers()
      proofs.push({ path: url.pathname.slice(6), authorization: headers.authorization, dpop: headers.dpop })
    })
    const tokens = await signIn(page, demo.bp.url, 'dev', 'Bound Browser')
    expect((tokens as { tokenType?: string }).tokenType).toBe('DPoP')
    const jkt = claimsOf(tokens.accessToken).cnf?.jkt
    expect(jkt).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // The flow inspector shows the binding, and step 3's answer names the same key.
    expect(await textOf(page, 'inspector-binding')).toContain(jkt!)
    const complete = page.locator('[data-test-id=flow-step][data-action="auth.complete"]').last()
    expect(await complete.textContent()).toContain(jkt!)
    expect(proofs.find((call) => call.path === 'auth.complete')?.dpop).toBeTruthy()

    // A refresh token copied out of sessionStorage, replayed from Node without the key: refused, not spent.
    const refreshToken = await storedRefreshToken(page)
    expect(refreshToken).toContain('.dpop.')
    const replayed = await callProcedure(demo.bp.url, 'auth.refresh', { mutation: { refreshToken } })
    expect(replayed.body.error?.data.reason).toBe('invalid_grant')
    // The access token, as Bearer (or as DPoP with no proof) from Node: refused.
    const asBearer = await callProcedure(demo.bp.url, 'auth.me', { bearer: tokens.accessToken })
    expect(asBearer.status).toBe(401)
    expect(asBearer.body.error?.data.reason).toBe('invalid_token')
    const noProof = await callProcedure(demo.bp.url, 'auth.me', { headers: { authorization: `DPoP ${tokens.accessToken}` } })
    expect(noProof.status).toBe(401)

    // The app itself refreshes with its key and keeps working.
    await page.waitForFunction(
      (selector) => Number((document.querySelector(selector)?.textContent ?? '0').replace('×', '')) >= 2,
      byTestId('pass-refresh-count'),
    )
    const me = page.waitForResponse(isCall('auth.me'))
    await page.click(byTestId('verify'))
    expect((await me).status()).toBe(200)
    const authed = proofs.filter((call) => call.path === 'auth.me')
    expect(authed.length).toBeGreaterThan(0)
    for (const call of authed) {
      expect(call.authorization).toMatch(/^DPoP /)
      expect(call.dpop).toBeTruthy()
    }
    // A fresh proof for every call.
    const all = proofs.map((call) => call.dpop).filter(Boolean)
    expect(new Set(all).size).toBe(all.length)
    await screenshot(page, 'dpop-bound')
    expect(problems.errors).toEqual([])
  })

  it('survives a reload and a second tab: both sign with the same key from IndexedDB', async () => {
    const context = await demo.newContext()
    const { page, problems } = await openPage(context)
    const tokens = await signIn(page, demo.bp.url, 'dev', 'Two Tabs')
    const jkt = claimsOf(tokens.accessToken).cnf?.jkt
    expect(jkt).toBeTruthy()

    const restored = page.waitForResponse(isCall('auth.refresh'))
    await page.reload()
    expect((await restored).status()).toBe(200)
    await waitForText(page, 'pass-name', 'Two Tabs')
    expect(await textOf(page, 'inspector-binding')).toContain(jkt!)
    const me = page.waitForResponse(isCall('auth.me'))
    await page.click(byTestId('verify'))
    expect((await me).status()).toBe(200)

    const second = await openPage(context)
    await second.page.goto(`${demo.bp.url}/pass`)
    await waitForText(second.page, 'pass-name', 'Two Tabs')
    expect(await textOf(second.page, 'inspector-binding')).toContain(jkt!)
    // Both tabs keep refreshing the one login for a few rotations, and both still call auth.me.
    await new Promise((resolve) => setTimeout(resolve, 4_000))
    for (const tab of [page, second.page]) {
      const answer = tab.waitForResponse(isCall('auth.me'))
      await tab.click(byTestId('verify'))
      expect((await answer).status()).toBe(200)
      await waitForText(tab, 'pass-name', 'Two Tabs')
    }
    expect(problems.errors).toEqual([])
    expect(second.problems.errors).toEqual([])
  })
})

import { createClientCodePair, generateClientCode, tokenResponse, type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserlessLogin } from '../support/browserless-login.js'
import type { Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Log hygiene (RFC 9700 §4.3 leakage through logs): at LOG_LEVEL=trace, over
 * every kind of flow, no log line holds a Client Code, Server Code, provider
 * authorization code, access or refresh token, client secret, cookie value or
 * user code; and the lines of a flow carry its flowId, so one login can be
 * followed without any of them.
 */
describe('log hygiene at LOG_LEVEL=trace', () => {
  let service: Service
  /** Every secret the flows below handled, by what it is. */
  const secrets: [string, string][] = []
  const keep = (what: string, value: string | null | undefined) => {
    expect(value, what).toBeTruthy()
    secrets.push([what, value!])
  }
  const flows: { flowId: string; expect: string[] }[] = []
  let lines: Record<string, unknown>[]

  beforeAll(async () => {
    service = await startAttackedService({ env: { LOG_LEVEL: 'trace' } })
    keep('the provider client secret', service.idp.clientSecret)
    const url = service.bp.url

    // 1. A redirect flow, refreshed, then logged out.
    const flow = await beginFlow(url, { redirectUri: service.redirectUri })
    keep('a Client Code', flow.pair.clientCode)
    const callbackUrl = await loginAtProvider(flow, service.publicUrl)
    keep('a provider authorization code', callbackUrl.searchParams.get('code'))
    const back = await sendCallback(service.bp.address, callbackUrl)
    const serverCode = new URL(back.headers.get('location')!).searchParams.get('server_code')
    keep('a Server Code', serverCode)
    const tokens = await completed(url, flow.pair.clientCode, serverCode!)
    const refreshed = tokenResponse.parse(
      (await callProcedure(url, 'auth.refresh', { mutation: { refreshToken: tokens.refreshToken } })).body.result!.data,
    )
    keepTokens(refreshed)
    await callProcedure(url, 'auth.me', { bearer: refreshed.accessToken })
    await callProcedure(url, 'auth.introspect', { mutation: { token: refreshed.accessToken } })
    // A reuse of the spent refresh token (by another client; the same one would be reuse too): revokes, and is logged.
    await callProcedure(url, 'auth.refresh', {
      mutation: { refreshToken: tokens.refreshToken },
      headers: { 'user-agent': 'another client/1.0' },
    })
    await callProcedure(url, 'auth.logout', { mutation: { refreshToken: refreshed.refreshToken } })
    flows.push({ flowId: flow.flowId, expect: ['flow started', 'provider leg done, server code issued', 'flow completed'] })

    // 2. A failed complete: a wrong Client Code spends the Server Code.
    const failed = await beginFlow(url, { redirectUri: service.redirectUri })
    const failedBack = await sendCallback(service.bp.address, await loginAtProvider(failed, service.publicUrl))
    const failedCode = new URL(failedBack.headers.get('location')!).searchParams.get('server_code')
    keep('a Server Code (spent by a wrong Client Code)', failedCode)
    const wrong = generateClientCode()
    keep('a wrong Client Code', wrong)
    await callProcedure(url, 'auth.complete', { mutation: { clientCode: wrong, serverCode: failedCode } })
    flows.push({ flowId: failed.flowId, expect: ['flow started', 'client code did not match: server code spent'] })

    // 3. A refusal at the provider.
    const denied = await beginFlow(url, { redirectUri: service.redirectUri })
    await sendCallback(service.bp.address, await loginAtProvider(denied, service.publicUrl, { deny: true }))
    flows.push({ flowId: denied.flowId, expect: ['flow started', 'provider leg failed'] })

    // 4. A cross-device flow, approved on a "phone" through /link.
    const pair = await createClientCodePair()
    keep('a cross-device Client Code', pair.clientCode)
    const device = await callProcedure<{ flowId: string; userCode: string }>(url, 'auth.start', {
      mutation: {
        mode: 'cross-device',
        clientCodeHash: pair.clientCodeHash,
        hashMethod: pair.hashMethod,
        provider: 'acme',
        deviceName: 'Log TV',
      },
    })
    const { flowId, userCode } = device.body.result!.data
    keep('a user code', userCode)
    const linkPage = await fetch(`${url}/link?code=${userCode}`)
    const cookie = linkPage.headers.getSetCookie()[0]!.split(';')[0]!
    keep('the /link cookie value', cookie.split('=')[1])
    const token = /name="token" value="([^"]+)"/.exec(await linkPage.text())![1]!
    keep('the /link form token', token)
    const answer = await fetch(`${url}/link/answer`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'continue', token, provider: 'acme' }).toString(),
    })
    expect(answer.status).toBe(303)
    const phoneCallback = await browserlessLogin(answer.headers.get('location')!, {
      stopAt: `${service.publicUrl}/auth/callback`,
    })
    keep('a provider authorization code (cross-device)', phoneCallback.searchParams.get('code'))
    expect((await sendCallback(service.bp.address, phoneCallback)).status).toBe(200)
    const polled = await callProcedure<{ status: string; serverCode: string }>(url, 'auth.poll', { mutation: { flowId } })
    expect(polled.body.result?.data.status).toBe('approved')
    keep('a Server Code (cross-device)', polled.body.result!.data.serverCode)
    await completed(url, pair.clientCode, polled.body.result!.data.serverCode)
    flows.push({
      flowId,
      expect: ['flow started', 'cross-device flow opened', 'provider leg done, server code issued', 'flow completed'],
    })

    lines = service.bp.logs.map((line) => JSON.parse(line) as Record<string, unknown>)
  }, 60_000)
  afterAll(() => service?.close())

  async function completed(url: string, clientCode: string, serverCode: string): Promise<TokenResponse> {
    const response = await callProcedure(url, 'auth.complete', { mutation: { clientCode, serverCode } })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    const tokens = tokenResponse.parse(response.body.result!.data)
    keepTokens(tokens)
    return tokens
  }

  function keepTokens(tokens: TokenResponse): void {
    keep('an access token', tokens.accessToken)
    keep('an access token’s signature', tokens.accessToken.split('.')[2])
    keep('a refresh token', tokens.refreshToken)
    keep('a refresh token’s secret part', tokens.refreshToken.split('.')[1])
  }

  it('the flows were logged, at trace level', () => {
    expect(lines.length).toBeGreaterThan(10)
    expect(secrets.length).toBeGreaterThan(20)
  })

  it('no log line holds a code, token, secret, cookie value or user code', () => {
    const text = service.bp.logs.join('\n')
    const found = secrets.filter(([, value]) => text.includes(value)).map(([what]) => what)
    expect(found).toEqual([])
    // The user code as typed elsewhere (without its dash) is not there either.
    const userCodes = secrets.filter(([what]) => what === 'a user code').map(([, code]) => code.replace('-', ''))
    for (const code of userCodes) expect(text).not.toContain(code)
  })

  it('no log line carries a request’s headers or body', () => {
    for (const line of lines) {
      expect(Object.keys(line)).not.toEqual(expect.arrayContaining(['headers']))
      expect(Object.keys(line)).not.toEqual(expect.arrayContaining(['body']))
    }
  })

  it('the lines of each flow carry its flowId, from start to end', () => {
    for (const flow of flows) {
      const messages = lines.filter((line) => line.flowId === flow.flowId).map((line) => line.msg)
      expect(messages, flow.flowId).toEqual(expect.arrayContaining(flow.expect))
    }
  })

  it('what happens after sign-in carries the loginId instead (rotation, reuse, revocation)', () => {
    const loginLines = lines.filter((line) => typeof line.loginId === 'string')
    const messages = loginLines.map((line) => line.msg)
    expect(messages).toEqual(expect.arrayContaining(['flow completed', 'refresh token rotated', 'login revoked']))
  })
})

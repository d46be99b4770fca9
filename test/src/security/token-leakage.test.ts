import { tokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'
import { startAttackedService } from './harness/service.js'

/**
 * Token leakage (RFC 9700 §4.2, §4.3): the Server Code travels in a redirect
 * URL, so that URL must not leak onward through Referer, caches or logs; token
 * responses must not be cached.
 */
describe('token leakage through Referer, caches, history and logs', () => {
  let service: Service

  beforeAll(async () => {
    service = await startAttackedService()
  })
  afterAll(() => service?.close())

  async function callback(options: { deny?: boolean } = {}) {
    const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const callbackUrl = await loginAtProvider(flow, service.publicUrl, options)
    const response = await sendCallback(service.bp.address, callbackUrl)
    return { flow, response, providerCode: callbackUrl.searchParams.get('code') }
  }

  it.each([
    ['with a Server Code', {}],
    ['with error=', { deny: true }],
  ])('the callback’s redirect %s: Referrer-Policy no-referrer, Cache-Control no-store, no body', async (_why, options) => {
    const { response } = await callback(options)
    expect(response.status).toBe(302)
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('set-cookie')).toBeNull()
    expect(await response.text()).toBe('')
  })

  it('the redirect carries the Server Code and the flow id, and nothing else of the login', async () => {
    const { response, flow } = await callback()
    const location = new URL(response.headers.get('location')!)
    expect([...location.searchParams.keys()].sort()).toEqual(['flow', 'server_code'])
    expect(location.hash).toBe('')
    expect(response.headers.get('location')).not.toContain(flow.pair.clientCodeHash)
  })

  it('the error page of a spent callback: no-store, no-referrer (also as a meta tag), no code in it', async () => {
    const flow = await beginFlow(service.bp.url, { redirectUri: service.redirectUri })
    const callbackUrl = await loginAtProvider(flow, service.publicUrl)
    await sendCallback(service.bp.address, callbackUrl)
    const page = await sendCallback(service.bp.address, callbackUrl)
    expect(page.status).toBe(400)
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await page.text()
    expect(html).toContain('<meta name="referrer" content="no-referrer">')
    expect(html).not.toContain(callbackUrl.searchParams.get('code')!)
  })

  it('token responses (complete, refresh) are no-store and no-referrer', async () => {
    const { flow, response } = await callback()
    const serverCode = new URL(response.headers.get('location')!).searchParams.get('server_code')!
    const complete = await callProcedure(service.bp.url, 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
    })
    const refresh = await callProcedure(service.bp.url, 'auth.refresh', {
      mutation: { refreshToken: tokenResponse.parse(complete.body.result!.data).refreshToken },
    })
    for (const answer of [complete, refresh]) {
      expect(answer.status).toBe(200)
      expect(answer.headers.get('cache-control')).toBe('no-store')
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer')
      expect(answer.headers.get('set-cookie')).toBeNull()
    }
  })

  it('the Server Code, the Client Code and the provider code appear in no log line', async () => {
    const { flow, response, providerCode } = await callback()
    const serverCode = new URL(response.headers.get('location')!).searchParams.get('server_code')!
    await callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode: flow.pair.clientCode, serverCode } })
    await callProcedure(service.bp.url, 'auth.complete', { mutation: { clientCode: flow.pair.clientCode, serverCode } })
    const logs = service.bp.logs.join('\n')
    expect(logs).toContain(flow.flowId)
    expect(logs).not.toContain(serverCode)
    expect(logs).not.toContain(flow.pair.clientCode)
    expect(providerCode).toBeTruthy()
    expect(logs).not.toContain(providerCode)
  })
})

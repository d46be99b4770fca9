import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { complete, poll, startDevice } from '../cross-device/device.js'
import { Phone } from '../cross-device/phone.js'
import { startDevService } from '../cross-device/service.js'
import { watch } from '../cross-device/watch.js'

/**
 * Issue 13 item 1, contract v1.2 "Links are safe to fetch": mail scanners (Safe
 * Links, Proofpoint), chat previews (Slack, Teams) and QR "safety checks" GET and
 * HEAD a link before the person does. None of that may spend the code; the first
 * Continue or Decline (a POST) does, from whichever browser.
 */
describe('links are safe to fetch: scanners and previews spend nothing', () => {
  let bp: TestInstance

  beforeAll(async () => {
    // One trusted proxy hop, so the preview bot can come from another address than the phone.
    bp = await startDevService({ TRUST_PROXY_HOPS: '1' })
  })
  afterAll(() => bp?.close())

  it('a scanner GET and HEAD, and a preview bot GET from another address, then the real phone signs the device in', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const scanner = new Phone(bp.url)
    const scanned = await scanner.open(device.userCode)
    expect(scanned.status, scanned.html).toBe(200)
    const head = await fetch(device.verificationUriComplete, { method: 'HEAD' })
    expect(head.status).toBe(200)
    const bot = await new Phone(bp.url, { headers: { 'x-forwarded-for': '203.0.113.9' } }).open(device.userCode)
    expect(bot.status, bot.html).toBe(200)

    const phone = new Phone(bp.url, { headers: { 'x-forwarded-for': '198.51.100.7' } })
    const confirm = await phone.open(device.userCode)
    expect(confirm.status, confirm.html).toBe(200)
    expect(confirm.text('link-code-shown')).toBe(device.userCode)
    const done = await phone.approve(device.userCode)
    expect(done.text('link-done'), done.html).toBeDefined()
    const status = (await poll(bp.url, device.flowId)).body.result!.data
    expect(status.status).toBe('approved')
    expect((await complete(bp.url, device, status.serverCode!)).status).toBe(200)
  })

  it('HEAD of the callback runs no provider leg and mints no Server Code: the GET after it still signs the device in', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const phone = new Phone(bp.url)
    await phone.open(device.userCode)
    const next = await phone.answer('continue')
    expect(next.status, next.html).toBe(303)
    const callback = await browserlessLogin(next.location!, { stopAt: `${bp.url}/auth/callback` })
    const head = await fetch(callback.href, { method: 'HEAD', redirect: 'manual' })
    expect(head.status).toBe(200)
    const watcher = await watch(bp.url, device.flowId)
    try {
      await watcher.waitForStatus('opened')
      const done = await phone.request('GET', `/auth/callback${callback.search}`)
      expect(done.text('link-done'), done.html).toBeDefined()
      await watcher.waitForStatus('approved')
      expect(watcher.statuses().map((s) => s.status)).toEqual(['opened', 'approved'])
    } finally {
      watcher.close()
    }
  })

  it('HEAD of a same-device callback does not spend the flow: the browser’s GET still lands with a Server Code', async () => {
    const { createClientCodePair } = await import('@boarding-pass/shared')
    const { callProcedure } = await import('../support/trpc-http.js')
    const pair = await createClientCodePair()
    const redirectUri = `${bp.url}/callback`
    const started = await callProcedure<{ authorizationUrl: string }>(bp.url, 'auth.start', {
      mutation: { provider: 'dev', clientCodeHash: pair.clientCodeHash, hashMethod: pair.hashMethod, redirectUri },
    })
    expect(started.status, JSON.stringify(started.body)).toBe(200)
    const callback = await browserlessLogin(started.body.result!.data.authorizationUrl, { stopAt: `${bp.url}/auth/callback` })
    const head = await fetch(callback.href, { method: 'HEAD', redirect: 'manual' })
    expect(head.headers.get('location')).toBeNull()
    const get = await fetch(callback.href, { redirect: 'manual' })
    expect(get.status).toBe(302)
    expect(get.headers.get('location')).toMatch(/[?&]server_code=/)
  })

  it('two browsers that both opened the link race their Continue: exactly one goes to the provider, the other gets the 400 page', async () => {
    for (let round = 0; round < 5; round++) {
      const device = await startDevice(bp.url, { provider: 'dev' })
      const phones = [new Phone(bp.url), new Phone(bp.url)]
      for (const phone of phones) expect((await phone.open(device.userCode)).status).toBe(200)
      const answers = await Promise.all(phones.map((phone, i) => phone.answer(i === 0 ? 'continue' : 'decline')))
      const winners = answers.filter((page) => page.status !== 400)
      expect(winners, JSON.stringify(answers.map((a) => a.status))).toHaveLength(1)
      const loser = answers.find((page) => page.status === 400)!
      expect(loser.html).toMatch(/<h1>This code was already used<\/h1>/)
      // Whoever won, a late third browser is told the code is used.
      const late = new Phone(bp.url)
      expect((await late.open(device.userCode)).status).toBe(400)
    }
  })

  it('after one browser’s Continue, another browser’s Continue on the page it opened earlier gets the 400 page', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    const first = new Phone(bp.url)
    const second = new Phone(bp.url)
    await first.open(device.userCode)
    await second.open(device.userCode)
    expect((await first.answer('continue')).status).toBe(303)
    const refused = await second.answer('continue')
    expect(refused.status).toBe(400)
    expect(refused.location).toBeNull()
  })
})

import { tokenResponse, userSchema } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { startService, type Service } from '../support/service.js'
import { callProcedure } from '../support/trpc-http.js'
import { complete, poll, startDevice } from './device.js'
import { Phone } from './phone.js'
import { startDevService } from './service.js'
import { watch } from './watch.js'

describe('cross-device sign-in, the happy path (development provider, Redis)', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it('start, open the link, continue, provider login, link-done; the watcher sees pending, opened, approved; complete; me', async () => {
    const device = await startDevice(bp.url, { provider: 'dev', deviceName: 'Living-room TV' })
    const watcher = await watch(bp.url, device.flowId)
    await watcher.waitForStatus('pending')

    const phone = new Phone(bp.url)
    const confirm = await phone.open(device.userCode)
    expect(confirm.status).toBe(200)
    expect(confirm.text('link-code-shown')).toBe(device.userCode)
    expect(confirm.text('link-device')).toBe('Living-room TV')
    expect(confirm.text('link-started-on')).toBe('Chrome on Linux')
    expect(confirm.html).toContain('data-test-id="link-continue"')
    expect(confirm.html).toContain('data-test-id="link-decline"')
    expect(confirm.token).toMatch(/^[\w-]{20,}$/)
    expect(confirm.setCookies.some((c) => c.startsWith(`bp_link=${confirm.token}`) && /HttpOnly/.test(c))).toBe(true)
    await watcher.waitForStatus('opened')

    const next = await phone.answer('continue')
    expect(next.status).toBe(303)
    expect(next.location!.startsWith(`${bp.url}/dev-idp/`)).toBe(true)
    const done = await phone.signInAtProvider(next.location!, { name: 'Ada Lovelace' })
    expect(done.status).toBe(200)
    expect(done.text('link-done')).toBeDefined()
    expect(done.location).toBeNull()

    const approved = await watcher.waitForStatus('approved')
    await watcher.ended
    expect(watcher.statuses().map((s) => s.status)).toEqual(['pending', 'opened', 'approved'])
    expect(watcher.events.at(-1)!.event).toBe('return')
    const serverCode = approved.value.serverCode!
    expect(serverCode.length).toBeGreaterThanOrEqual(22)

    const tokens = await complete(bp.url, device, serverCode)
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200)
    const { accessToken, user } = tokenResponse.parse(tokens.body.result!.data)
    expect(user).toMatchObject({ id: 'dev:ada-lovelace', provider: 'dev', name: 'Ada Lovelace' })
    const me = await callProcedure(bp.url, 'auth.me', { bearer: accessToken })
    expect(userSchema.parse(me.body.result!.data)).toEqual(user)
  })

  it('poll reports the same outcome once per interval', async () => {
    const device = await startDevice(bp.url, { provider: 'dev' })
    expect(device.interval).toBeGreaterThan(0)
    const first = await poll(bp.url, device.flowId)
    expect(first.body.result?.data).toEqual({ status: 'pending' })

    await new Phone(bp.url).approve(device.userCode, { name: 'Grace Hopper' })
    await new Promise((resolve) => setTimeout(resolve, device.interval * 1000))
    const second = await poll(bp.url, device.flowId)
    expect(second.status).toBe(200)
    expect(second.body.result!.data.status).toBe('approved')
    const tokens = await complete(bp.url, device, second.body.result!.data.serverCode!)
    expect(tokens.body.result?.data.user).toMatchObject({ id: 'dev:grace-hopper' })
  })

  it('without a provider in auth.start, the phone chooses one on the confirmation page', async () => {
    const device = await startDevice(bp.url)
    const phone = new Phone(bp.url)
    const confirm = await phone.open(device.userCode)
    expect(confirm.html).toMatch(/<input type="radio" name="provider" value="dev"/)
    const done = await phone.approve(device.userCode, { provider: 'dev', name: 'Alan Turing' })
    expect(done.text('link-done')).toBeDefined()
    expect((await poll(bp.url, device.flowId)).body.result!.data.status).toBe('approved')
  })
})

describe('cross-device sign-in through a third-party OpenID provider (a separate oidc-provider)', () => {
  let service: Service

  beforeAll(async () => {
    service = await startService()
  })
  afterAll(() => service?.close())

  it('signs the device in as the provider account', async () => {
    const device = await startDevice(service.bp.url, { provider: 'acme', deviceName: 'Kiosk 4' })
    const watcher = await watch(service.bp.url, device.flowId)
    const phone = new Phone(service.publicUrl)
    const confirm = await phone.open(device.verificationUriComplete.split('code=')[1]!)
    expect(confirm.html).toContain('Acme ID')
    const next = await phone.answer('continue')
    expect(next.location!.startsWith(service.idp.issuer)).toBe(true)
    const done = await phone.signInAtProvider(next.location!, { name: 'Katherine Johnson' })
    expect(done.text('link-done')).toBeDefined()

    const { value } = await watcher.waitForStatus('approved')
    const tokens = await complete(service.bp.url, device, value.serverCode!)
    expect(tokens.body.result?.data.user).toMatchObject({ id: 'acme:katherine-johnson', provider: 'acme' })
  })
})

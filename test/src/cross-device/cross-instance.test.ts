import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startService, type Service } from '../support/service.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { callProcedure } from '../support/trpc-http.js'
import { complete, startDevice } from './device.js'
import { Phone } from './phone.js'
import { watch } from './watch.js'

describe('approval on one instance reaches a watcher on another (two instances sharing Redis, one PUBLIC_URL)', () => {
  let service: Service

  beforeAll(async () => {
    // The third-party provider: the development provider lives inside one instance, with its own secret.
    service = await startService({ instances: 2 })
  })
  afterAll(() => service?.close())

  it('device A watches on instance 1, the phone approves through instance 2, A gets `approved` and completes on 1', async () => {
    const [one, two] = service.instances as [(typeof service.instances)[0], (typeof service.instances)[0]]
    expect(one.address).not.toBe(two.address)

    const device = await startDevice(one.address, { provider: 'acme', deviceName: 'Hotel TV' })
    const watcher = await watch(one.address, device.flowId)
    await watcher.waitForStatus('pending')

    const phone = new Phone(service.publicUrl, { origin: two.address })
    const confirm = await phone.open(device.userCode)
    expect(confirm.text('link-device')).toBe('Hotel TV')
    await watcher.waitForStatus('opened')
    const next = await phone.answer('continue')
    expect(next.status).toBe(303)

    const callback = await browserlessLogin(next.location!, {
      name: 'Dorothy Vaughan',
      stopAt: `${service.publicUrl}/auth/callback`,
    })
    const sent = performance.now()
    const done = await phone.request('GET', `/auth/callback${callback.search}`)
    const answered = performance.now()
    expect(done.text('link-done')).toBeDefined()
    expect(done.url.startsWith(two.address)).toBe(true)

    const approved = await watcher.waitForStatus('approved', 5_000)
    const latency = approved.at - answered
    process.stdout.write(
      `cross-instance: callback response on instance 2 → "approved" at the watcher on instance 1: ${latency.toFixed(1)} ms ` +
        `(${(approved.at - sent).toFixed(1)} ms from sending the callback; the callback itself took ${(answered - sent).toFixed(1)} ms)\n`,
    )
    // Pub/sub, not the watcher's timed re-read (15 s), must carry it.
    expect(latency).toBeLessThan(1_000)

    const tokens = await complete(one.address, device, approved.value.serverCode!)
    expect(tokens.status).toBe(200)
    const me = await callProcedure(two.address, 'auth.me', { bearer: tokens.body.result!.data.accessToken })
    expect(me.body.result?.data).toMatchObject({ id: 'acme:dorothy-vaughan', provider: 'acme' })
  })

  it('a decline on instance 2 reaches a watcher on instance 1 too', async () => {
    const [one, two] = service.instances as [(typeof service.instances)[0], (typeof service.instances)[0]]
    const device = await startDevice(one.address, { provider: 'acme' })
    const watcher = await watch(one.address, device.flowId)
    const phone = new Phone(service.publicUrl, { origin: two.address })
    await phone.open(device.userCode)
    await phone.answer('decline')
    expect((await watcher.waitForStatus('denied', 5_000)).value).toEqual({ status: 'denied' })
  })
})

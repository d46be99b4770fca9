import { sessionsOutput, tokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { callProcedure } from '../support/trpc-http.js'
import { complete, poll, startDevice } from './device.js'
import { Phone } from './phone.js'
import { startDevService } from './service.js'

describe('a login opened by a cross-device flow keeps the device’s name (auth.sessions, v1.2)', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it('the TV that signed in is listed under the name it gave at auth.start', async () => {
    const device = await startDevice(bp.url, { provider: 'dev', deviceName: 'Living-room TV' })
    const phone = new Phone(bp.url)
    expect((await phone.open(device.userCode)).status).toBe(200)
    const next = await phone.answer('continue')
    expect((await phone.signInAtProvider(next.location!, { name: `Tv Owner ${crypto.randomUUID().slice(0, 8)}` })).status).toBe(
      200,
    )
    const status = await poll(bp.url, device.flowId)
    expect(status.body.result?.data.status).toBe('approved')
    const tokens = tokenResponse.parse((await complete(bp.url, device, status.body.result!.data.serverCode!)).body.result!.data)

    const listed = await callProcedure(bp.url, 'auth.sessions', { bearer: tokens.accessToken })
    const [session] = sessionsOutput.parse(listed.body.result!.data).sessions
    expect(session).toMatchObject({ current: true, provider: 'dev', deviceName: 'Living-room TV' })
  })
})

import { generateClientCode } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logsSettled } from '../support/boarding-pass.js'
import { expectRefusal, keysNamed } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { beginFlow, loginAtProvider, sendCallback } from '../support/sign-in.js'
import { callProcedure } from '../support/trpc-http.js'

describe('no secret reaches the logs: a whole login, its failures, refresh and logout', () => {
  let service: Service
  const secrets: Record<string, string> = {}

  beforeAll(async () => {
    service = await startService()
    const { bp } = service

    const flow = await beginFlow(bp.url, { redirectUri: service.redirectUri })
    const callback = await loginAtProvider(flow, service.publicUrl)
    const back = new URL((await sendCallback(bp.address, callback)).headers.get('location')!)
    const serverCode = back.searchParams.get('server_code')!
    Object.assign(secrets, {
      clientCode: flow.pair.clientCode,
      providerCode: callback.searchParams.get('code')!,
      serverCode,
      providerClientSecret: service.idp.clientSecret,
    })

    // A failed attempt with a wrong Client Code, on a second flow.
    const second = await beginFlow(bp.url, { redirectUri: service.redirectUri })
    const secondBack = new URL(
      (await sendCallback(bp.address, await loginAtProvider(second, service.publicUrl))).headers.get('location')!,
    )
    const wrongClientCode = generateClientCode()
    secrets.secondServerCode = secondBack.searchParams.get('server_code')!
    secrets.wrongClientCode = wrongClientCode
    secrets.secondClientCode = second.pair.clientCode
    expectRefusal(
      await callProcedure(bp.url, 'auth.complete', {
        mutation: { clientCode: wrongClientCode, serverCode: secrets.secondServerCode },
      }),
      'invalid_grant',
    )

    const complete = await callProcedure<{ accessToken: string; refreshToken: string }>(bp.url, 'auth.complete', {
      mutation: { clientCode: flow.pair.clientCode, serverCode },
    })
    secrets.accessToken = complete.body.result!.data.accessToken
    secrets.refreshToken = complete.body.result!.data.refreshToken
    await callProcedure(bp.url, 'auth.me', { bearer: secrets.accessToken })
    await callProcedure(bp.url, 'auth.me', { bearer: `${secrets.accessToken}x` })
    const refreshed = await callProcedure<{ accessToken: string; refreshToken: string }>(bp.url, 'auth.refresh', {
      mutation: { refreshToken: secrets.refreshToken },
    })
    secrets.refreshedAccessToken = refreshed.body.result!.data.accessToken
    secrets.refreshedRefreshToken = refreshed.body.result!.data.refreshToken
    // Reuse of the spent token by another client (revokes the login), then logout.
    await callProcedure(bp.url, 'auth.refresh', {
      mutation: { refreshToken: secrets.refreshToken },
      headers: { 'user-agent': 'another client/1.0' },
    })
    await callProcedure(bp.url, 'auth.logout', { mutation: { refreshToken: secrets.refreshedRefreshToken } })
    await logsSettled(bp)
  })
  afterAll(() => service?.close())

  it('logged the login at all (the check below is not vacuous)', () => {
    expect(service.bp.logs.length).toBeGreaterThan(5)
  })

  it.each([
    'clientCode',
    'wrongClientCode',
    'secondClientCode',
    'providerCode',
    'serverCode',
    'secondServerCode',
    'accessToken',
    'refreshToken',
    'refreshedAccessToken',
    'refreshedRefreshToken',
    'providerClientSecret',
  ])('the %s appears in no log line', (name) => {
    const secret = secrets[name]!
    expect(secret.length).toBeGreaterThan(10)
    // The secret part of a refresh token (after its login id) is what matters; the JWT's signature likewise.
    const part = name.endsWith('RefreshToken') || name === 'refreshToken' ? secret.split('.')[1]! : secret
    const signature = name.endsWith('ccessToken') ? secret.split('.')[2]! : part
    for (const line of service.bp.logs) {
      expect(line).not.toContain(part)
      expect(line).not.toContain(signature)
    }
  })

  it('log lines are JSON and carry no stack', () => {
    for (const line of service.bp.logs) {
      const entry = JSON.parse(line) as unknown
      expect(keysNamed(entry, 'stack')).toEqual([])
    }
  })
})

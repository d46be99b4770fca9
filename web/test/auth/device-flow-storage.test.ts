import { beforeEach, describe, expect, it } from 'vitest'
import {
  forgetDeviceFlow,
  hasPendingDeviceFlow,
  pendingDeviceFlow,
  rememberDeviceFlow,
  type PendingDeviceFlow,
} from '../../src/auth/device-flow-storage'

const flow = (flowId: string, expiresAt: number): PendingDeviceFlow => ({
  flowId,
  userCode: 'BCDF-GHJK',
  verificationUri: 'https://bp.example/link',
  verificationUriComplete: 'https://bp.example/link?code=BCDF-GHJK',
  expiresAt,
  interval: 2,
  deviceName: 'Chrome on Linux',
  clientCode: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
})

beforeEach(() => sessionStorage.clear())

describe('device-flow storage: the waiting flow survives a reload, in this tab only', () => {
  it('keeps a flow under boarding-pass:device-flow:<flowId>, apart from the redirect flows', () => {
    rememberDeviceFlow(flow('f1', Date.now() + 60_000))
    expect(Object.keys(sessionStorage)).toEqual(['boarding-pass:device-flow:f1'])
    expect(pendingDeviceFlow()).toEqual(flow('f1', pendingDeviceFlow()!.expiresAt))
    expect(hasPendingDeviceFlow()).toBe(true)
    expect(localStorage.length).toBe(0)
  })

  it('gives the newest live flow and drops expired and damaged ones', () => {
    const now = Date.now()
    rememberDeviceFlow(flow('old', now + 10_000))
    rememberDeviceFlow(flow('new', now + 20_000))
    rememberDeviceFlow(flow('gone', now - 1))
    sessionStorage.setItem('boarding-pass:device-flow:broken', '{"flowId":1')
    sessionStorage.setItem('boarding-pass:device-flow:partial', JSON.stringify({ flowId: 'partial' }))
    sessionStorage.setItem(
      'boarding-pass:flow:redirect',
      JSON.stringify({ clientCode: 'x', provider: 'dev', expiresAt: now + 1 }),
    )

    expect(pendingDeviceFlow(now)?.flowId).toBe('new')
    expect(Object.keys(sessionStorage).sort()).toEqual([
      'boarding-pass:device-flow:new',
      'boarding-pass:device-flow:old',
      'boarding-pass:flow:redirect',
    ])
  })

  it('forgets a flow that ended', () => {
    rememberDeviceFlow(flow('f1', Date.now() + 60_000))
    forgetDeviceFlow('f1')
    expect(pendingDeviceFlow()).toBeUndefined()
    expect(hasPendingDeviceFlow()).toBe(false)
  })
})

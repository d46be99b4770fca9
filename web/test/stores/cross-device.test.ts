import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest'
import { describeThisDevice } from '../../src/auth/device-name'
import { useCrossDeviceStore } from '../../src/stores/cross-device'
import { startCuttingProxy } from '../support/cutting-proxy'
import { latest, listenAsAnotherTab, loadPage, savedSession } from '../support/page'
import { openOnPhone } from '../support/phone'

const apiUrl = inject('crossDeviceApiUrl')
const quickExpiryApiUrl = inject('quickExpiryApiUrl')

const DEVICE_FLOW = 'boarding-pass:device-flow:'
const pages: { close(): void }[] = []

/** One page load of the sign-in page, with both stores (a reload: fresh Pinia, same sessionStorage). */
function openSignInPage(baseUrl: string) {
  const page = loadPage(`${baseUrl}/`)
  const crossDevice = useCrossDeviceStore()
  const opened = {
    ...page,
    crossDevice,
    close() {
      crossDevice.$dispose()
      page.close()
    },
  }
  pages.push(opened)
  return opened
}

function deviceFlowKeys(): string[] {
  return Object.keys(sessionStorage).filter((key) => key.startsWith(DEVICE_FLOW))
}

function storedClientCode(flowId: string): string {
  return (JSON.parse(sessionStorage.getItem(DEVICE_FLOW + flowId) ?? '{}') as { clientCode?: string }).clientCode ?? ''
}

beforeEach(() => {
  sessionStorage.clear()
  localStorage.clear()
})

afterEach(() => {
  for (const page of pages.splice(0)) page.close()
})

afterAll(() => (window as unknown as { happyDOM: { waitUntilComplete(): Promise<void> } }).happyDOM.waitUntilComplete())

describe('cross-device store: sign in with your phone (real server, phone over HTTP)', () => {
  it('starts a cross-device flow, keeps the Client Code under its flowId, and signs in live when the phone approves', async () => {
    const other = listenAsAnotherTab()
    try {
      const { auth, crossDevice, ready } = openSignInPage(apiUrl)
      await ready
      await crossDevice.start()

      expect(crossDevice.phase).toBe('waiting')
      const flow = crossDevice.flow!
      expect(flow.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
      expect(flow.verificationUri).toBe(`${apiUrl}/link`)
      expect(flow.verificationUriComplete).toBe(`${apiUrl}/link?code=${flow.userCode}`)
      expect(flow.expiresAt - Date.now()).toBeGreaterThan(290_000)
      expect(flow.interval).toBe(2)
      expect(flow.deviceName).toBe(describeThisDevice(navigator.userAgent))
      expect(deviceFlowKeys()).toEqual([DEVICE_FLOW + flow.flowId])
      const clientCode = storedClientCode(flow.flowId)
      expect(clientCode).toMatch(/^[A-Za-z0-9_-]{43}$/)
      await vi.waitFor(() => expect(crossDevice.transport).toBe('stream'))

      const phone = await openOnPhone(flow.verificationUriComplete)
      expect(phone.page.body).toContain(flow.userCode)
      expect(phone.page.body).toContain(flow.deviceName)
      await vi.waitFor(() => expect(crossDevice.phase).toBe('opened'))

      const done = await phone.approve('Katherine Johnson')
      expect(done.body).toContain('data-test-id="link-done"')
      await vi.waitFor(() => expect(crossDevice.phase).toBe('signed-in'))
      expect(auth.status).toBe('signed-in')
      expect(auth.user).toMatchObject({ id: 'dev:katherine-johnson', name: 'Katherine Johnson', provider: 'dev' })
      expect(auth.verifiedAt).toBeTypeOf('number')
      expect(crossDevice.transport).toBeUndefined()

      // The login is a redirect login's: refresh token in sessionStorage, tokens shared with the other tabs, nothing in localStorage.
      await vi.waitFor(() => expect(other.tokens()).toHaveLength(1))
      const tokens = latest(other.tokens())
      expect(savedSession()?.refreshToken).toBe(tokens.refreshToken)
      expect(JSON.stringify({ ...sessionStorage })).not.toContain(tokens.accessToken)
      expect(localStorage.length).toBe(0)
      // The Client Code was used once and forgotten; the inspector shows every step, secrets masked.
      expect(deviceFlowKeys()).toEqual([])
      expect(auth.steps.map((step) => [step.action, step.status])).toEqual([
        ['createClientCodePair()', 'done'],
        ['auth.start', 'done'],
        ['auth.watch', 'done'],
        ['status: opened', 'done'],
        ['status: approved', 'done'],
        ['auth.complete', 'done'],
        ['auth.me', 'done'],
      ])
      const approved = auth.steps.find((step) => step.action === 'status: approved')
      expect(approved?.received).toMatchObject({ status: 'approved', via: 'auth.watch' })
      expect(approved?.received?.serverCode).toMatch(/^[A-Za-z0-9_-]{4}•••$/)
      const inspector = JSON.stringify(auth.steps)
      expect(inspector).not.toContain(clientCode)
      expect(inspector).not.toContain(tokens.accessToken)
      expect(inspector).not.toContain(tokens.refreshToken)
    } finally {
      other.close()
    }
  })

  it('opens the same login as a redirect sign-in: refresh rotates it, a reload restores it, sign-out ends it', async () => {
    const first = openSignInPage(apiUrl)
    await first.ready
    await first.crossDevice.start()
    const phone = await openOnPhone(first.crossDevice.flow!.verificationUriComplete)
    await phone.approve('Mary Jackson')
    await vi.waitFor(() => expect(first.auth.status).toBe('signed-in'))
    const before = savedSession()!

    await first.auth.refresh()
    expect(savedSession()).toMatchObject({ sessionKey: before.sessionKey, generation: 1 })
    expect(savedSession()?.refreshToken).not.toBe(before.refreshToken)
    first.close()

    const reloaded = openSignInPage(apiUrl)
    await reloaded.ready
    expect(reloaded.auth.status).toBe('signed-in')
    expect(reloaded.auth.user?.name).toBe('Mary Jackson')
    expect(reloaded.crossDevice.phase).toBe('idle')

    await reloaded.auth.signOut()
    expect(reloaded.auth.status).toBe('idle')
    expect(savedSession()).toBeUndefined()
  })

  it('says "declined" when the phone declines, and "start again" gives a new code', async () => {
    const { auth, crossDevice, ready } = openSignInPage(apiUrl)
    await ready
    await crossDevice.start()
    const first = crossDevice.flow!
    const phone = await openOnPhone(first.verificationUriComplete)
    await vi.waitFor(() => expect(crossDevice.phase).toBe('opened'))
    const declined = await phone.decline()
    expect(declined.status).toBe(200)

    await vi.waitFor(() => expect(crossDevice.phase).toBe('denied'))
    expect(crossDevice.failure).toMatchObject({
      code: 'client:cross_device_denied',
      title: 'Declined on your phone',
      retry: 'start-again',
    })
    expect(auth.status).toBe('idle')
    expect(deviceFlowKeys()).toEqual([])
    expect(auth.steps.at(-1)).toMatchObject({ action: 'status: denied', status: 'failed' })

    await crossDevice.start()
    expect(crossDevice.phase).toBe('waiting')
    expect(crossDevice.failure).toBeUndefined()
    expect(crossDevice.flow?.flowId).not.toBe(first.flowId)
    expect(crossDevice.flow?.userCode).not.toBe(first.userCode)
  })

  it('says "expired" when nobody approves in time (the server says so over the stream)', async () => {
    const { crossDevice, ready } = openSignInPage(quickExpiryApiUrl)
    await ready
    await crossDevice.start()
    expect(crossDevice.flow!.expiresAt - Date.now()).toBeLessThanOrEqual(2_000)

    await vi.waitFor(() => expect(crossDevice.phase).toBe('expired'), { timeout: 6_000 })
    expect(crossDevice.failure?.code).toBe('client:cross_device_expired')
    expect(deviceFlowKeys()).toEqual([])
    const expired = useCrossDeviceStore()
    expect(expired.isLive).toBe(false)
  })

  it('resumes after a reload: same code, watching again, and completes with the kept Client Code', async () => {
    const before = openSignInPage(apiUrl)
    await before.ready
    await before.crossDevice.start()
    const flow = before.crossDevice.flow!
    before.close()

    const after = openSignInPage(apiUrl)
    await after.ready
    await after.crossDevice.begin()
    expect(after.crossDevice.phase).toBe('waiting')
    expect(after.crossDevice.flow).toEqual(flow)
    expect(after.auth.steps.at(-2)).toMatchObject({ action: 'sessionStorage', title: 'Resume after a reload' })

    const phone = await openOnPhone(flow.verificationUriComplete)
    await phone.approve('Dorothy Vaughan')
    await vi.waitFor(() => expect(after.auth.status).toBe('signed-in'))
    expect(after.auth.user?.name).toBe('Dorothy Vaughan')
  })

  it('falls back to auth.poll every `interval` when the stream drops, and still signs in', async () => {
    const proxy = await startCuttingProxy(apiUrl)
    try {
      const { auth, crossDevice, ready } = openSignInPage(proxy.url)
      await ready
      await crossDevice.start()
      await vi.waitFor(() => expect(crossDevice.transport).toBe('poll'))
      expect(proxy.cut()).toBeGreaterThanOrEqual(1)
      expect(auth.steps.map((step) => [step.action, step.status])).toEqual([
        ['createClientCodePair()', 'done'],
        ['auth.start', 'done'],
        ['auth.watch', 'failed'],
        ['auth.poll', 'pending'],
      ])

      const phone = await openOnPhone(crossDevice.flow!.verificationUriComplete)
      await vi.waitFor(() => expect(crossDevice.phase).toBe('opened'), { timeout: 5_000 })
      await phone.approve('Annie Easley')
      await vi.waitFor(() => expect(auth.status).toBe('signed-in'), { timeout: 5_000 })
      expect(auth.user?.name).toBe('Annie Easley')
      expect(auth.steps.find((step) => step.action === 'status: approved')?.received?.via).toBe('auth.poll')
      expect(auth.steps.find((step) => step.action === 'auth.poll')?.status).toBe('done')
      // Only the one stream was opened: polling does not keep reconnecting it.
      expect(proxy.cut()).toBe(1)
    } finally {
      await proxy.close()
    }
  })

  it('treats a flow the server no longer knows (invalid_grant) as expired', async () => {
    sessionStorage.setItem(
      `${DEVICE_FLOW}unknown-flow-id-000000`,
      JSON.stringify({
        flowId: 'unknown-flow-id-000000',
        userCode: 'BCDF-GHJK',
        verificationUri: `${apiUrl}/link`,
        verificationUriComplete: `${apiUrl}/link?code=BCDF-GHJK`,
        expiresAt: Date.now() + 60_000,
        interval: 2,
        deviceName: 'Chrome on Linux',
        clientCode: 'A'.repeat(43),
      }),
    )
    const { crossDevice, ready } = openSignInPage(apiUrl)
    await ready
    await crossDevice.begin()
    await vi.waitFor(() => expect(crossDevice.phase).toBe('expired'))
    expect(crossDevice.failure?.code).toBe('client:cross_device_expired')
    expect(deviceFlowKeys()).toEqual([])
  })

  it('shows a refused redemption (a Client Code that does not match) as invalid_grant and leaves the tab signed out', async () => {
    const before = openSignInPage(apiUrl)
    await before.ready
    await before.crossDevice.start()
    const flow = before.crossDevice.flow!
    before.close()
    const key = DEVICE_FLOW + flow.flowId
    sessionStorage.setItem(key, JSON.stringify({ ...JSON.parse(sessionStorage.getItem(key)!), clientCode: 'B'.repeat(43) }))

    const after = openSignInPage(apiUrl)
    await after.ready
    await after.crossDevice.begin()
    const phone = await openOnPhone(flow.verificationUriComplete)
    await phone.approve()
    await vi.waitFor(() => expect(after.crossDevice.phase).toBe('failed'))
    expect(after.crossDevice.failure).toMatchObject({ code: 'invalid_grant', retry: 'start-again' })
    expect(after.auth.status).toBe('idle')
    expect(savedSession()).toBeUndefined()
    expect(after.auth.steps.at(-1)).toMatchObject({
      action: 'auth.complete',
      status: 'failed',
      received: { reason: 'invalid_grant' },
    })
  })

  it('cancel stops watching and forgets the flow; a sign-in in another tab cancels it too', async () => {
    const { auth, crossDevice, ready } = openSignInPage(apiUrl)
    await ready
    await crossDevice.start()
    await vi.waitFor(() => expect(crossDevice.transport).toBe('stream'))
    crossDevice.cancel()
    expect(crossDevice.phase).toBe('idle')
    expect(crossDevice.flow).toBeUndefined()
    expect(deviceFlowKeys()).toEqual([])
    expect(auth.steps.find((step) => step.action === 'auth.watch')).toMatchObject({ status: 'failed' })

    await crossDevice.begin()
    expect(crossDevice.phase).toBe('waiting')
    const other = listenAsAnotherTab()
    try {
      other.post({
        type: 'tokens',
        tokens: {
          sessionKey: 'from-another-tab',
          generation: 0,
          accessToken: 'a.b.c',
          refreshToken: 'r',
          expiresAt: Date.now() + 600_000,
          user: { id: 'dev:grace-hopper', provider: 'dev', name: 'Grace Hopper' },
        },
      })
      await vi.waitFor(() => expect(auth.status).toBe('signed-in'))
      expect(crossDevice.phase).toBe('idle')
      expect(deviceFlowKeys()).toEqual([])
    } finally {
      other.close()
    }
  })
})

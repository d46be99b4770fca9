import { afterEach, describe, expect, inject, it } from 'vitest'
import { createApp, h, type Component } from 'vue'
import { createBoardingPassClient, memoryStorage, type Session, type User } from '@boarding-pass/client'
import { createBoardingPass, PhoneSignIn, SessionList } from '@boarding-pass/vue'
import { openOnPhone } from '../../../web/test/support/phone.js'
import { eventually, setAddress } from './support.js'

const bpUrl = inject('boardingPassUrl')
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function mount(
  component: Component,
  props: Record<string, unknown>,
  client = createBoardingPassClient({ url: bpUrl, storage: memoryStorage() }),
) {
  setAddress(`${bpUrl}/`)
  const app = createApp({ render: () => h(component, props) })
  app.use(createBoardingPass({ client }))
  const element = document.createElement('div')
  document.body.append(element)
  app.mount(element)
  cleanups.push(() => {
    app.unmount()
    element.remove()
    client.dispose()
  })
  return { element, client }
}

const byTestId = (element: HTMLElement, id: string) => element.querySelector<HTMLElement>(`[data-test-id="${id}"]`)

describe('<PhoneSignIn> (real server; the phone over plain HTTP)', () => {
  it('shows the QR code, the code and the link; follows the phone live; emits signed-in with the user', async () => {
    const signedIn: User[] = []
    const { element, client } = mount(PhoneSignIn, { deviceName: 'Kiosk', onSignedIn: (user: User) => signedIn.push(user) })
    await eventually(() => expect(byTestId(element, 'phone-user-code')?.textContent).toMatch(/^[A-Z]{4}-[A-Z]{4}$/))
    const code = byTestId(element, 'phone-user-code')!.textContent!
    expect(byTestId(element, 'phone-link')!.getAttribute('href')).toBe(`${bpUrl}/link`)
    await eventually(() => expect(byTestId(element, 'phone-qr')?.getAttribute('src')).toMatch(/^data:image\/png;base64,/))
    expect(byTestId(element, 'phone-qr')!.getAttribute('alt')).toBe(`QR code of ${bpUrl}/link?code=${code}`)
    expect(byTestId(element, 'phone-status')!.getAttribute('role')).toBe('status')

    const phone = await openOnPhone(`${bpUrl}/link?code=${code}`)
    await eventually(() => expect(byTestId(element, 'phone-status')!.textContent).toMatch(/^Opened on your phone/))
    await phone.approve('Hedy Lamarr')
    await eventually(() => expect(signedIn.map((user) => user.name)).toEqual(['Hedy Lamarr']))
    expect(client.state.status).toBe('signed-in')
  })

  it('declined on the phone: an alert, and "Get a new code" starts again', async () => {
    const { element } = mount(PhoneSignIn, {})
    await eventually(() => expect(byTestId(element, 'phone-user-code')).not.toBeNull())
    const code = byTestId(element, 'phone-user-code')!.textContent!
    await (await openOnPhone(`${bpUrl}/link?code=${code}`)).decline()
    await eventually(() => expect(byTestId(element, 'phone-failed')?.getAttribute('role')).toBe('alert'))
    expect(byTestId(element, 'phone-failed')!.dataset.reason).toBe('cross_device_denied')
    byTestId(element, 'phone-restart')!.click()
    await eventually(() => expect(byTestId(element, 'phone-user-code')?.textContent).not.toBe(code))
  })
})

describe('<SessionList>', () => {
  it('lists sessions with "This device" for the current one and a labelled Sign out for the others (a client whose sessions() and revokeSession() are stand-ins: the server’s v1.2 procedures land on another branch)', async () => {
    const client = createBoardingPassClient({ url: bpUrl, storage: memoryStorage() })
    const sessions: Session[] = [
      {
        id: 's1',
        provider: 'dev',
        createdAt: '2026-11-29T10:00:00Z',
        lastUsedAt: '2026-11-29T12:00:00Z',
        current: true,
        deviceName: 'Chrome on Linux',
      },
      {
        id: 's2',
        provider: 'dev',
        createdAt: '2026-11-28T10:00:00Z',
        lastUsedAt: '2026-11-28T12:00:00Z',
        current: false,
        userAgent: 'Safari on iOS',
      },
    ]
    const revoked: string[] = []
    const standIn = Object.assign(Object.create(client) as typeof client, {
      sessions: () => Promise.resolve(sessions),
      revokeSession: (id: string) => Promise.resolve(void revoked.push(id)),
    })
    const { element } = mount(SessionList, {}, standIn)
    await eventually(() => expect(byTestId(element, 'sessions')).not.toBeNull())
    expect(byTestId(element, 'session-s1')!.textContent).toContain('This device')
    expect(byTestId(element, 'session-revoke-s1')).toBeNull()
    const revoke = byTestId(element, 'session-revoke-s2')!
    expect(revoke.getAttribute('aria-label')).toBe('Sign out Safari on iOS')
    revoke.click()
    await eventually(() => expect(byTestId(element, 'session-s2')).toBeNull())
    expect(revoked).toEqual(['s2'])
  })

  it('signed out: the refusal shows as an alert with its reason', async () => {
    const { element } = mount(SessionList, {})
    await eventually(() => expect(byTestId(element, 'sessions-failed')).not.toBeNull())
    expect(byTestId(element, 'sessions-failed')!.dataset.reason).toBe('not_signed_in')
  })
})

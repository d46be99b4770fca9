/* eslint-disable vue/one-component-per-file -- the test apps are small inline components */
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { createPinia, defineStore } from 'pinia'
import { memoryStorage } from '@boarding-pass/client'
import { createBoardingPass, useBoardingPass } from '@boarding-pass/vue'
import { loginAtProvider } from '../../../web/test/support/http.js'
import { eventually, loadApp } from './support.js'

const bpUrl = inject('boardingPassUrl')
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('plugin, guard and callback route (real server, development provider)', () => {
  it('guard → sign-in with returnTo → provider → callback (codes off the address before the router runs) → the page asked for; reload keeps the login; sign-out', async () => {
    const storage = memoryStorage()
    const departures: string[] = []

    // 1. A signed-out visit to a protected page lands on the sign-in page, the target kept.
    const first = loadApp(`${bpUrl}/orders/7?tab=2`, { storage, departures })
    cleanups.push(first.unmount)
    await first.router.isReady()
    expect(first.router.currentRoute.value.path).toBe('/sign-in')
    expect(first.router.currentRoute.value.query).toEqual({ returnTo: '/orders/7?tab=2' })
    await eventually(() => expect(first.element.querySelector('[data-test-id="provider-dev"]')).not.toBeNull())
    const button = first.element.querySelector<HTMLButtonElement>('[data-test-id="provider-dev"]')!
    expect(button.textContent).toBe('Sign in with Development sign-in')
    expect(button.type).toBe('button')

    // 2. The button starts the flow with that returnTo and leaves for the provider.
    setTimeout(() => button.click())
    await eventually(() => expect(departures).toHaveLength(1))
    first.unmount()

    // 3. Back from the provider: a new page load at /callback.
    const back = await loginAtProvider(departures[0]!, { name: 'Grace Hopper', stopAt: `${bpUrl}/callback` })
    const second = loadApp(back.href, { storage, departures })
    cleanups.push(second.unmount)
    // Synchronously at install: no code left in the address.
    expect(window.location.search).toBe('')
    await second.router.isReady()
    await eventually(() => expect(second.router.currentRoute.value.fullPath).toBe('/orders/7?tab=2'))
    expect(second.element.textContent).toBe('Order')
    second.unmount()

    // 4. A reload of the protected page keeps the login.
    const third = loadApp(`${bpUrl}/orders/7`, { storage, departures })
    cleanups.push(third.unmount)
    await third.router.isReady()
    expect(third.router.currentRoute.value.fullPath).toBe('/orders/7')
    const bp = third.app.runWithContext(() => useBoardingPass())
    expect(bp.user.value?.name).toBe('Grace Hopper')
    expect(bp.isSignedIn.value).toBe(true)

    // 5. Sign-out: refs follow; the guard now sends the user to sign in again, once (no loop).
    await bp.signOut()
    expect(bp.status.value).toBe('signed-out')
    expect(bp.user.value).toBeUndefined()
    await third.router.push('/orders/8')
    expect(third.router.currentRoute.value.path).toBe('/sign-in')
    expect(third.router.currentRoute.value.query).toEqual({ returnTo: '/orders/8' })
    await third.router.push('/sign-in')
    expect(third.router.currentRoute.value.path).toBe('/sign-in')
  })

  it('a failed callback (declined at the provider) lands on the sign-in page with the error in the composable', async () => {
    const storage = memoryStorage()
    const departures: string[] = []
    const first = loadApp(`${bpUrl}/sign-in`, { storage, departures })
    cleanups.push(first.unmount)
    await first.router.isReady()
    await first.app.runWithContext(() => useBoardingPass()).signIn('dev')
    first.unmount()
    const back = await loginAtProvider(departures[0]!, { deny: true, stopAt: `${bpUrl}/callback` })

    const second = loadApp(back.href, { storage, departures })
    cleanups.push(second.unmount)
    await second.router.isReady()
    await eventually(() => expect(second.router.currentRoute.value.path).toBe('/sign-in'))
    const bp = second.app.runWithContext(() => useBoardingPass())
    expect(bp.error.value).toMatchObject({ reason: 'access_denied', source: 'callback' })
    expect(bp.isSignedIn.value).toBe(false)
  })

  it('keeps a returnTo that stays in the app, and drops one that leaves it (no open redirect)', async () => {
    const flowsIn = (storage: ReturnType<typeof memoryStorage>) =>
      Array.from({ length: storage.length! }, (_, i) => storage.key!(i)!)
        .filter((key) => key.startsWith('boarding-pass:flow:'))
        .map((key) => JSON.parse(storage.getItem(key)!) as { returnTo?: string })
    for (const [asked, kept] of [
      ['/orders/1', '/orders/1'],
      ['//evil.example/x', undefined],
      ['https://evil.example/x', undefined],
      ['/\\evil.example', undefined],
      ['/\t/evil.example', undefined],
    ] as const) {
      const storage = memoryStorage()
      const page = loadApp(`${bpUrl}/sign-in?returnTo=${encodeURIComponent(asked)}`, { storage })
      await page.router.isReady()
      await page.app.runWithContext(() => useBoardingPass()).signIn('dev')
      expect(flowsIn(storage)).toHaveLength(1)
      expect(flowsIn(storage)[0]!.returnTo).toBe(kept)
      page.unmount()
    }
  })
})

describe('useBoardingPass', () => {
  it('outside setup, says where it may be called', () => {
    expect(() => useBoardingPass()).toThrow(
      /must be called inside setup\(\), a Pinia store, a router guard or app\.runWithContext\(\)/,
    )
  })

  it('in an app without the plugin, says to install it', () => {
    const app = createApp({ render: () => null })
    expect(() => app.runWithContext(() => useBoardingPass())).toThrow(/app\.use\(createBoardingPass\(\{ url \}\)\)/)
  })

  it('works inside a Pinia setup store (with the app’s own Pinia) and in a component, sharing one state', async () => {
    const plugin = createBoardingPass({ url: bpUrl, redirectUri: `${bpUrl}/callback`, storage: memoryStorage() })
    const useAccount = defineStore('account', () => {
      const { user, isSignedIn } = useBoardingPass()
      return { user, isSignedIn }
    })
    const app = createApp(
      defineComponent({
        setup() {
          const account = useAccount()
          const bp = useBoardingPass()
          return () => h('p', `${bp.status.value}/${String(account.isSignedIn)}`)
        },
      }),
    )
    app.use(createPinia()).use(plugin)
    const element = document.createElement('div')
    app.mount(element)
    cleanups.push(() => app.unmount())
    await plugin.client.init()
    await nextTick()
    expect(element.textContent).toBe('signed-out/false')
  })

  it('the plugin disposes the client it made when the app unmounts', async () => {
    const plugin = createBoardingPass({ url: bpUrl, redirectUri: `${bpUrl}/callback`, storage: memoryStorage() })
    const app = createApp({ render: () => null })
    app.use(plugin)
    app.mount(document.createElement('div'))
    await plugin.client.init()
    let changes = 0
    plugin.client.subscribe(() => changes++)
    app.unmount()
    plugin.client.clearError()
    expect(changes).toBe(0)
  })
})

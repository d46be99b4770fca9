/* eslint-disable vue/one-component-per-file -- the test app's pages are small inline components */
import { createApp, defineComponent, h, type App, type Component } from 'vue'
import { createRouter, createWebHistory, RouterView, type RouteRecordRaw, type Router } from 'vue-router'
import { memoryStorage, type BoardingPassStorage } from '@boarding-pass/client'
import { callbackRoute, createBoardingPass, requireSignIn, SignInButtons, type BoardingPassPlugin } from '@boarding-pass/vue'

interface HappyDomWindow {
  happyDOM: { setURL(url: string): void; waitUntilComplete(): Promise<void> }
}

/** Sets this window's address, as a page load at `url` would. */
export function setAddress(url: string): void {
  ;(window as unknown as HappyDomWindow).happyDOM.setURL(url)
}

export const Page = (name: string): Component => defineComponent({ name, setup: () => () => h('h1', name) })

/** The routes of a small app: a sign-in page, a protected page, the callback, a home. */
export const routes: RouteRecordRaw[] = [
  { path: '/', component: Page('Home') },
  { path: '/sign-in', component: defineComponent({ setup: () => () => h('main', [h('h1', 'Sign in'), h(SignInButtons)]) }) },
  { path: '/orders/:id', component: Page('Order'), meta: { signedIn: true } },
  callbackRoute(),
]

/** One page load of the app: plugin first (it takes the callback's codes off the address), then the router. */
export function loadApp(
  url: string,
  options: { storage?: BoardingPassStorage; departures?: string[]; root?: Component } = {},
): { app: App; router: Router; plugin: BoardingPassPlugin; element: HTMLElement; unmount(): void } {
  setAddress(url)
  const departures = options.departures ?? []
  const plugin = createBoardingPass({
    url: new URL(url).origin,
    storage: options.storage ?? memoryStorage(),
    navigate: (to) => departures.push(to),
  })
  const app = createApp(options.root ?? defineComponent({ setup: () => () => h(RouterViewProxy) }))
  app.use(plugin)
  const router = createRouter({ history: createWebHistory(), routes })
  // Every navigation (a change of params too, which `beforeEnter` would not see).
  router.beforeEach((to) => (to.meta.signedIn ? requireSignIn(to) : true))
  app.use(router)
  const element = document.createElement('div')
  document.body.append(element)
  app.mount(element)
  return {
    app,
    router,
    plugin,
    element,
    unmount: () => {
      app.unmount()
      element.remove()
    },
  }
}

const RouterViewProxy = defineComponent({ setup: () => () => h(RouterView) })

/** Waits until `check` passes (Vue renders and requests settle asynchronously). */
export async function eventually(check: () => void, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

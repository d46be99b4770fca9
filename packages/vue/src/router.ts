import { defineComponent, h, type Component } from 'vue'
import type { RouteLocationNormalized, RouteLocationRaw, RouteRecordRaw } from 'vue-router'
import { injectBinding } from './binding.js'
import { safeReturnTo } from './return-to.js'

/**
 * A vue-router guard: waits until the login is restored (or the callback
 * finished), lets a signed-in user through, and sends anyone else to the
 * sign-in page with the page they asked for kept as `?returnTo=`. It never
 * loops: the sign-in page itself always passes. Needs no `app`.
 *
 * @example
 * ```ts
 * const routes = [
 *   { path: '/orders/:id', component: OrderPage, meta: { signedIn: true } },
 *   { path: '/sign-in', component: SignInPage },
 *   callbackRoute(),
 * ]
 * // On every navigation (`beforeEnter: requireSignIn` works too, but does not run again when only params change):
 * router.beforeEach((to) => (to.meta.signedIn ? requireSignIn(to) : true))
 * ```
 */
export async function requireSignIn(to: RouteLocationNormalized): Promise<true | RouteLocationRaw> {
  const binding = injectBinding('requireSignIn')
  await binding.ready
  if (binding.state.value.status === 'signed-in') return true
  if (to.path === binding.signInPath) return true
  return { path: binding.signInPath, query: { returnTo: to.fullPath } }
}

/** What {@link callbackRoute} takes. */
export interface CallbackRouteOptions {
  /** The redirect URI's path. Default `/callback`. */
  path?: string
  name?: string
  /** Shown while the codes are redeemed. Default: a status line. */
  component?: Component
}

const Finishing = defineComponent({
  name: 'BoardingPassFinishing',
  setup: () => () => h('p', { role: 'status', 'aria-live': 'polite', 'data-test-id': 'callback-status' }, 'Signing you in…'),
})

/**
 * The route the provider leg returns to: it waits for the plugin to finish the
 * callback, then goes to the page `signIn` was given as `returnTo` (or the
 * home path), or on failure to the sign-in page, where `error` says why.
 *
 * @example
 * ```ts
 * const router = createRouter({ history: createWebHistory(), routes: [callbackRoute(), …] })
 * ```
 */
export function callbackRoute(options: CallbackRouteOptions = {}): RouteRecordRaw {
  return {
    path: options.path ?? '/callback',
    name: options.name ?? 'boarding-pass-callback',
    component: options.component ?? Finishing,
    async beforeEnter() {
      const binding = injectBinding('callbackRoute')
      const { returnTo } = await binding.ready
      if (binding.state.value.status !== 'signed-in') return { path: binding.signInPath }
      return safeReturnTo(returnTo) ?? binding.homePath
    },
  }
}

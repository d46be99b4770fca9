import { watch } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import CallbackPage from '../pages/CallbackPage.vue'
import SignInPage from '../pages/SignInPage.vue'
import type { useAuthStore } from '../stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** The page's name, for the document title and the route-change announcement. */
    title: string
    /** Only for a signed-in tab (or one restoring its login). */
    signedIn?: boolean
  }
}

/**
 * The app's routes. Made by a function, not at import time: the history must
 * be created only after the store has taken the callback's codes off the URL.
 * Where a tab belongs follows the store's status; pages never decide it.
 */
export function createAppRouter(auth: ReturnType<typeof useAuthStore>) {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes: [
      { path: '/', name: 'sign-in', component: SignInPage, meta: { title: 'Sign in' } },
      { path: '/callback', name: 'callback', component: CallbackPage, meta: { title: 'Finishing sign-in' } },
      {
        path: '/pass',
        name: 'pass',
        component: () => import('../pages/PassPage.vue'),
        meta: { title: 'Your boarding pass', signedIn: true },
      },
      { path: '/:unknown(.*)*', redirect: '/' },
    ],
  })

  router.beforeEach((to) => {
    if (to.meta.signedIn && auth.status !== 'signed-in' && auth.status !== 'completing') return { name: 'sign-in' }
    if (to.name === 'sign-in' && auth.status === 'signed-in') return { name: 'pass' }
    if (to.name === 'callback' && auth.status === 'idle') return { name: 'sign-in' }
    return true
  })

  watch(
    () => auth.status,
    (status) => {
      const current = router.currentRoute.value
      if (status === 'signed-in' && !current.meta.signedIn) void router.replace({ name: 'pass' })
      else if ((status === 'idle' || status === 'error') && current.meta.signedIn) void router.replace({ name: 'sign-in' })
      else if (status === 'idle' && current.name === 'callback') void router.replace({ name: 'sign-in' })
    },
  )

  return router
}

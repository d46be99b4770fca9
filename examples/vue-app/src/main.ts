import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import { callbackRoute, createBoardingPass, requireSignIn } from '@boarding-pass/vue'
import App from './App.vue'
import Home from './pages/Home.vue'
import Orders from './pages/Orders.vue'
import SignIn from './pages/SignIn.vue'

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: Home },
    { path: '/sign-in', component: SignIn },
    { path: '/orders', component: Orders, meta: { signedIn: true } },
    callbackRoute(),
  ],
})
router.beforeEach((to) => (to.meta.signedIn ? requireSignIn(to) : true))

const boardingPass = createBoardingPass({
  url: import.meta.env.VITE_BOARDING_PASS_URL,
  apiOrigins: [new URL(import.meta.env.VITE_ORDERS_URL).origin], // the token may go to our orders API too
})

createApp(App).use(boardingPass).use(router).mount('#app')

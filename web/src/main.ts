import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { createBoardingPass } from '@boarding-pass/vue'
import App from './App.vue'
import { callbackUri } from './auth/callback-url'
import { leaveFor } from './auth/navigation'
import { createAppRouter } from './modules/router'
import { useAuthStore } from './stores/auth'
import './styles/main.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)

// Before the router reads the address: the plugin starts the client, which on
// /callback takes the codes off the URL and out of history first.
app.use(
  createBoardingPass({
    url: '/',
    redirectUri: callbackUri(),
    navigate: (url) => leaveFor(url),
    signInPath: '/',
    homePath: '/pass',
  }),
)

// In the same tick, so the flow inspector sees every step the client takes.
const auth = useAuthStore(pinia)
void auth.init()

app.use(createAppRouter(auth))
app.mount('#app')

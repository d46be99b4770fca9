import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { createAppRouter } from './modules/router'
import { useAuthStore } from './stores/auth'
import './styles/main.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)

// Before the router reads the address: on /callback the store takes the codes
// off the URL and out of history first, so the router never records them.
const auth = useAuthStore(pinia)
void auth.init()

app.use(createAppRouter(auth))
app.mount('#app')

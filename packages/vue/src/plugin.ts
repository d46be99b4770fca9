import type { App } from 'vue'
import { createBoardingPassClient, type BoardingPassClient, type BoardingPassClientOptions } from '@boarding-pass/client'
import { BINDING, bind, type BoardingPassBinding } from './binding.js'

/** What {@link createBoardingPass} takes: the client's options (or a client), and the app's two routes. */
export interface BoardingPassPluginOptions extends Partial<BoardingPassClientOptions> {
  /** A client made elsewhere (shared with non-Vue code); the plugin then leaves its disposal to you. */
  client?: BoardingPassClient
  /** Where `requireSignIn` sends a signed-out user (with `?returnTo=`) and a failed callback lands. Default `/sign-in`. */
  signInPath?: string
  /** Where a callback without `returnTo` lands. Default `/`. */
  homePath?: string
}

/** The plugin `app.use` takes; `client` is usable outside components too. */
export interface BoardingPassPlugin {
  install(app: App): void
  readonly client: BoardingPassClient
}

/**
 * Makes the Vue plugin: creates the client (or takes yours), starts it at
 * once (on the callback page that takes the codes off the address before the
 * router reads it, so install it before the router), provides it to every
 * component, store and router guard, and disposes the client it created when
 * the app unmounts.
 *
 * @example
 * ```ts
 * import { createApp } from 'vue'
 * import { createBoardingPass } from '@boarding-pass/vue'
 *
 * const app = createApp(App)
 * app.use(createBoardingPass({ url: 'https://login.example.com' }))
 * app.use(router)
 * app.mount('#app')
 * ```
 */
export function createBoardingPass(options: BoardingPassPluginOptions): BoardingPassPlugin {
  const { client: given, signInPath = '/sign-in', homePath = '/', ...clientOptions } = options ?? {}
  if (!given && typeof clientOptions.url !== 'string') {
    throw new TypeError('createBoardingPass: pass `url` (the Boarding Pass URL) or a `client`')
  }
  const client = given ?? createBoardingPassClient(clientOptions as BoardingPassClientOptions)
  let binding: BoardingPassBinding | undefined
  return {
    client,
    install(app) {
      binding ??= bind(client, { signInPath, homePath })
      app.provide(BINDING, binding)
      app.onUnmount(() => {
        binding?.stop()
        binding = undefined
        if (!given) client.dispose()
      })
    },
  }
}

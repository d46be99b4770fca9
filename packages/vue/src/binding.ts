import { effectScope, hasInjectionContext, inject, shallowRef, type EffectScope, type InjectionKey, type ShallowRef } from 'vue'
import type { BoardingPassClient, BoardingPassState } from '@boarding-pass/client'

/** What the plugin provides: the client, its state as a ref, and where the router helpers send people. */
export interface BoardingPassBinding {
  client: BoardingPassClient
  state: ShallowRef<BoardingPassState>
  /** `client.init()`: settles once the callback is finished or the login restored. */
  ready: Promise<{ returnTo?: string }>
  signInPath: string
  homePath: string
  scope: EffectScope
  stop(): void
}

export const BINDING: InjectionKey<BoardingPassBinding> = Symbol('boarding-pass')

/** Binds a client's state to a shallow ref, in a scope of its own (no component needed). */
export function bind(client: BoardingPassClient, paths: { signInPath: string; homePath: string }): BoardingPassBinding {
  const scope = effectScope(true)
  const state = scope.run(() => shallowRef(client.state))!
  const unsubscribe = client.subscribe((next) => {
    state.value = next
  })
  const ready = client.init()
  return {
    client,
    state,
    ready,
    ...paths,
    scope,
    stop() {
      unsubscribe()
      scope.stop()
    },
  }
}

/** The binding, or an error that says what is missing and where `caller` may be called. */
export function injectBinding(caller: string): BoardingPassBinding {
  if (!hasInjectionContext()) {
    throw new Error(
      `${caller}() must be called inside setup(), a Pinia store, a router guard or app.runWithContext(); elsewhere, use the plugin's own \`client\` (createBoardingPass(...).client)`,
    )
  }
  const binding = inject(BINDING, undefined)
  if (!binding) throw new Error(`${caller}(): install the plugin first: app.use(createBoardingPass({ url }))`)
  return binding
}

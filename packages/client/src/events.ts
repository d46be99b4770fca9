/** A minimal typed event emitter; a listener that throws does not stop the others. */
export interface Emitter<Events> {
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void
  emit<K extends keyof Events>(event: K, payload: Events[K]): void
  clear(): void
}

export function createEmitter<Events>(): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<(payload: never) => void>>()
  return {
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as (payload: never) => void)
      return () => void set.delete(listener as (payload: never) => void)
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        try {
          ;(listener as (value: Events[typeof event]) => void)(payload)
        } catch (error) {
          // An app's listener must not break the flow; report it without console noise of our own.
          queueMicrotask(() => {
            throw error
          })
        }
      }
    },
    clear: () => listeners.clear(),
  }
}

/**
 * Shows enough of a secret to tell two apart, never enough to use it: its
 * first few characters and a mark. Every code and token in a {@link FlowStep} is masked.
 *
 * @example
 * ```ts
 * maskSecret('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') // 'dBjf•••'
 * ```
 */
export function maskSecret(secret: string | undefined | null): string {
  if (!secret) return '—'
  return `${secret.slice(0, Math.min(4, Math.floor(secret.length / 4)))}•••`
}

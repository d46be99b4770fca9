import { onScopeDispose, ref, type Ref } from 'vue'

/** The current time (epoch ms), updated every `interval` ms while the component lives. */
export function useNow(interval = 1000): Ref<number> {
  const now = ref(Date.now())
  const timer = setInterval(() => {
    now.value = Date.now()
  }, interval)
  onScopeDispose(() => clearInterval(timer))
  return now
}

import { nextTick, ref } from 'vue'
import { useRouter } from 'vue-router'

/**
 * After each client-side navigation: sets the document title, moves focus to
 * the new page's error or main heading (so keyboard and screen-reader users start there,
 * not on a link that no longer exists), and returns a message for a polite live
 * region. The first page load is left alone: the browser handles it.
 */
export function useRouteFocus() {
  const router = useRouter()
  const announcement = ref('')
  let first = true

  router.afterEach((to, from, failure) => {
    if (failure) return
    document.title = `${to.meta.title} · Boarding Pass`
    if (first) {
      first = false
      return
    }
    if (to.path === from.path) return
    void nextTick(() => {
      // An error on the new page is what to read first; otherwise its title.
      const heading =
        document.querySelector<HTMLElement>('#main [data-focus-first]') ?? document.querySelector<HTMLElement>('#main h1')
      if (heading) {
        heading.tabIndex = -1
        heading.focus()
      }
      announcement.value = to.meta.title
    })
  })

  return { announcement }
}

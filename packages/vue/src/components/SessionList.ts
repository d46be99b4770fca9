import { defineComponent, h, onMounted, ref, shallowRef } from 'vue'
import type { BoardingPassError, Session } from '@boarding-pass/client'
import { useBoardingPass } from '../use-boarding-pass.js'

/**
 * The user's sessions (v1.2 `auth.sessions`), newest first, each with its
 * device, provider and last use, and a "Sign out" button for every session
 * but this one (`auth.revokeSession`). Unstyled; `data-test-id`s: `sessions`,
 * `session-<id>`, `session-revoke-<id>`, `sessions-failed`.
 *
 * @example
 * ```vue
 * <SessionList />
 * ```
 */
export const SessionList = defineComponent({
  name: 'SessionList',
  setup() {
    const bp = useBoardingPass()
    const sessions = shallowRef<Session[]>()
    const failure = shallowRef<BoardingPassError>()
    const revoking = ref<string>()

    async function load(): Promise<void> {
      failure.value = undefined
      try {
        sessions.value = await bp.client.sessions()
      } catch (error) {
        failure.value = error as BoardingPassError
      }
    }

    async function revoke(session: Session): Promise<void> {
      revoking.value = session.id
      try {
        await bp.client.revokeSession(session.id)
        sessions.value = sessions.value?.filter((s) => s.id !== session.id)
      } catch (error) {
        failure.value = error as BoardingPassError
      } finally {
        revoking.value = undefined
      }
    }

    onMounted(load)

    return () => {
      const alert = failure.value
        ? h('div', { role: 'alert', 'data-test-id': 'sessions-failed', 'data-reason': failure.value.reason }, [
            h('p', 'Your sessions could not be loaded or changed.'),
            h('button', { type: 'button', onClick: load }, 'Try again'),
          ])
        : null
      if (!sessions.value) return alert ?? h('p', { role: 'status' }, 'Loading your sessions…')
      return h('div', [
        alert,
        h(
          'ul',
          { 'data-test-id': 'sessions', 'aria-busy': revoking.value !== undefined },
          sessions.value.map((session) => {
            const device = session.deviceName ?? session.userAgent ?? 'Unknown device'
            return h('li', { key: session.id, 'data-test-id': `session-${session.id}` }, [
              h('span', device),
              ' · ',
              h('span', session.provider),
              ' · last used ',
              h('time', { datetime: session.lastUsedAt }, new Date(session.lastUsedAt).toLocaleString()),
              ' ',
              session.current
                ? h('strong', 'This device')
                : h(
                    'button',
                    {
                      type: 'button',
                      disabled: revoking.value !== undefined,
                      'aria-label': `Sign out ${device}`,
                      'data-test-id': `session-revoke-${session.id}`,
                      onClick: () => revoke(session),
                    },
                    'Sign out',
                  ),
            ])
          }),
        ),
      ])
    }
  },
})

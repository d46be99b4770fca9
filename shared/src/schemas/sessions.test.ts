import { describe, expect, it } from 'vitest'
import { logoutScopeSchema, revokeSessionInput, revokeSessionOutput, sessionsOutput } from './sessions.js'
import { logoutInput } from './tokens.js'

/** The v1.2 "Sessions" shapes, as PROTOCOL.md writes them. */
describe('sessions schemas (v1.2)', () => {
  const session = {
    id: 'yu1yIk5DaVcGSwHTgISmzA',
    provider: 'acme',
    createdAt: '2026-11-29T16:41:58.000Z',
    lastUsedAt: '2026-11-29T17:01:00.000Z',
    current: true,
  }

  it('auth.sessions: { sessions: [{ id, provider, createdAt, lastUsedAt, current, deviceName?, userAgent? }] }', () => {
    const output = { sessions: [session, { ...session, current: false, deviceName: 'Living room TV', userAgent: 'curl/8' }] }
    expect(sessionsOutput.strict().parse(output)).toEqual(output)
    expect(sessionsOutput.safeParse({ sessions: [{ ...session, current: 'yes' }] }).success).toBe(false)
    expect(sessionsOutput.safeParse({ sessions: [{ id: session.id }] }).success).toBe(false)
  })

  it('auth.revokeSession: { sessionId } → { ok: true }; a sessionId is a login id (base64url, 16–64)', () => {
    expect(revokeSessionInput.parse({ sessionId: session.id })).toEqual({ sessionId: session.id })
    for (const bad of ['', 'short', 'x'.repeat(65), 'has space in it!!!!', '../../../etc/passwd']) {
      expect(revokeSessionInput.safeParse({ sessionId: bad }).success, bad).toBe(false)
    }
    expect(revokeSessionOutput.parse({ ok: true })).toEqual({ ok: true })
  })

  it('auth.logout: scope is optional and one of local, others, global', () => {
    expect(logoutInput.parse({ refreshToken: 'r' })).toEqual({ refreshToken: 'r' })
    for (const scope of ['local', 'others', 'global'] as const) {
      expect(logoutInput.parse({ refreshToken: 'r', scope })).toEqual({ refreshToken: 'r', scope })
    }
    expect(logoutScopeSchema.safeParse('everywhere').success).toBe(false)
  })
})

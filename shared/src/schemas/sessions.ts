import { z } from 'zod'

/** A session id: the access token's `sid` (a login id, base64url). */
export const sessionIdSchema = z
  .string()
  .min(16)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a session id')

/** One of the caller's live sessions, as `auth.sessions` lists it. */
export const sessionSchema = z.object({
  /** The session's id: its access tokens' `sid`. */
  id: z.string(),
  /** The provider the session signed in with. */
  provider: z.string(),
  /** ISO 8601: when the login was opened. */
  createdAt: z.string(),
  /** ISO 8601: when its refresh token was last used (or `createdAt`). */
  lastUsedAt: z.string(),
  /** True for the session of the access token making the call. */
  current: z.boolean(),
  /** The name the device gave itself (reported by the device, not verified). */
  deviceName: z.string().optional(),
  /** The User-Agent of the client that completed the login (reported by the client, not verified). */
  userAgent: z.string().optional(),
})

export type Session = z.infer<typeof sessionSchema>

/** `auth.sessions`: the caller's live sessions, newest first. */
export const sessionsOutput = z.object({ sessions: z.array(sessionSchema) })

export type SessionsOutput = z.infer<typeof sessionsOutput>

/** `auth.revokeSession`: ends one of the caller's sessions. */
export const revokeSessionInput = z.object({ sessionId: sessionIdSchema })

export type RevokeSessionInput = z.infer<typeof revokeSessionInput>

export const revokeSessionOutput = z.object({ ok: z.literal(true) })

/** `auth.logout`'s reach: this session (default), every other one of the user, or all of them. */
export const logoutScopeSchema = z.enum(['local', 'others', 'global'])

export type LogoutScope = z.infer<typeof logoutScopeSchema>

import { z } from 'zod'
import { userSchema } from './user.js'

/** Longest access token any procedure reads (the `Authorization` header check uses the same bound). */
export const MAX_ACCESS_TOKEN_LENGTH = 4096

/**
 * `auth.introspect` (in the spirit of RFC 7662): is this access token good right now?
 *
 * A mutation, so the token travels in the body and never in a URL or an access log.
 */
export const introspectInput = z.object({
  token: z.string().min(1).max(MAX_ACCESS_TOKEN_LENGTH),
})

export type IntrospectInput = z.infer<typeof introspectInput>

/** The token is not usable: malformed, badly signed, for someone else, expired, or its login has ended. */
export const inactiveTokenSchema = z.object({ active: z.literal(false) })

/** The token verifies and its login is alive: its claims, and the login's user. */
export const activeTokenSchema = z.object({
  active: z.literal(true),
  /** The user's id (`user.id`). */
  sub: z.string(),
  /** The login the token belongs to: what logout and refresh-token reuse revoke. */
  sid: z.string(),
  /** The token's id. */
  jti: z.string(),
  /** Seconds since the epoch. */
  exp: z.number().int(),
  /** Seconds since the epoch. */
  iat: z.number().int(),
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  /** RFC 9068: the app the token was issued to (`AUTH_CLIENT_ID`). */
  client_id: z.string(),
  /** The provider the user signed in with. */
  provider: z.string(),
  /** v1.2: the DPoP key the token is bound to (RFC 9449 §6.2), when it is. */
  cnf: z.object({ jkt: z.string() }).optional(),
  user: userSchema,
})

/**
 * What `auth.introspect` answers: `{ active: false }` and nothing else for any
 * token that cannot be used (RFC 7662 §2.2 says as little about inactive tokens),
 * otherwise `{ active: true, … }` with the token's claims and its user.
 *
 * @example
 * ```ts
 * const result = introspectOutput.parse(await client.auth.introspect.mutate({ token }))
 * if (result.active) console.log(result.user.id, 'until', new Date(result.exp * 1000))
 * ```
 */
export const introspectOutput = z.discriminatedUnion('active', [inactiveTokenSchema, activeTokenSchema])

export type IntrospectOutput = z.infer<typeof introspectOutput>
export type ActiveToken = z.infer<typeof activeTokenSchema>

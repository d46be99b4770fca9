import { z } from 'zod'
import { clientCodeSchema, opaqueSecretSchema } from './primitives.js'
import { logoutScopeSchema } from './sessions.js'
import { userSchema } from './user.js'

/** What `auth.complete` and `auth.refresh` return. */
export const tokenResponse = z.object({
  accessToken: z.string(),
  /** v1.2: `DPoP` when the tokens are bound to the key of the request's DPoP proof. */
  tokenType: z.enum(['Bearer', 'DPoP']),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int().positive(),
  refreshToken: z.string(),
  user: userSchema,
})

export type TokenResponse = z.infer<typeof tokenResponse>

/** `auth.complete` (step 3): both halves of the pair. */
export const completeInput = z.object({
  clientCode: clientCodeSchema,
  serverCode: opaqueSecretSchema,
})

export type CompleteInput = z.infer<typeof completeInput>

/** `auth.refresh`: the refresh token given is spent. */
export const refreshInput = z.object({ refreshToken: opaqueSecretSchema })

export type RefreshInput = z.infer<typeof refreshInput>

/**
 * `auth.logout`: every refresh token of that login stops working; with `scope`
 * (v1.2) `"others"` or `"global"`, the user's other sessions end too.
 */
export const logoutInput = z.object({ refreshToken: opaqueSecretSchema, scope: logoutScopeSchema.optional() })

export const logoutOutput = z.object({ ok: z.literal(true) })

export type LogoutInput = z.infer<typeof logoutInput>

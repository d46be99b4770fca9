import { z } from 'zod'
import { clientCodeHashSchema, hashMethodNameSchema, providerIdSchema, redirectUriSchema } from './primitives.js'

/** `auth.start` (step 1): begin a login with the Client Code Hash. */
export const startInput = z.object({
  provider: providerIdSchema,
  clientCodeHash: clientCodeHashSchema,
  hashMethod: hashMethodNameSchema,
  redirectUri: redirectUriSchema,
})

export const startOutput = z.object({
  flowId: z.string(),
  /** Where to send the browser: the provider's login page. */
  authorizationUrl: z.string(),
  /** ISO 8601; the flow is refused after this. */
  expiresAt: z.string(),
})

export type StartInput = z.infer<typeof startInput>
export type StartOutput = z.infer<typeof startOutput>

import { z } from 'zod'
import { crossDeviceStartInput, crossDeviceStartOutput } from './cross-device.js'
import { clientCodeHashSchema, hashMethodNameSchema, providerIdSchema, redirectUriSchema } from './primitives.js'

/** `auth.start` (step 1): begin a login with the Client Code Hash; the browser comes back to `redirectUri`. */
export const redirectStartInput = z.object({
  mode: z.literal('redirect').optional(),
  provider: providerIdSchema,
  clientCodeHash: clientCodeHashSchema,
  hashMethod: hashMethodNameSchema,
  redirectUri: redirectUriSchema,
})

export const redirectStartOutput = z.object({
  flowId: z.string(),
  /** Where to send the browser: the provider's login page. */
  authorizationUrl: z.string(),
  /** ISO 8601; the flow is refused after this. */
  expiresAt: z.string(),
})

/** `auth.start` input: a redirect login (v1), or a cross-device one (v1.1). */
export const startInput = z.union([redirectStartInput, crossDeviceStartInput])

/** `auth.start` output, matching the input's mode. */
export const startOutput = z.union([redirectStartOutput, crossDeviceStartOutput])

export type RedirectStartInput = z.infer<typeof redirectStartInput>
export type RedirectStartOutput = z.infer<typeof redirectStartOutput>
export type StartInput = z.infer<typeof startInput>
export type StartOutput = z.infer<typeof startOutput>

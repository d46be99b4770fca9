import { z } from 'zod'

/** `auth.providers` → the providers a user can sign in with. */
export const providersOutput = z.array(z.object({ id: z.string(), name: z.string() }))

export type ProvidersOutput = z.infer<typeof providersOutput>

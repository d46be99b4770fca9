import { z } from 'zod'

/** The signed-in user, as `auth.complete`, `auth.refresh` and `auth.me` return them. */
export const userSchema = z.object({
  /** Stable for the same provider account across logins; the access token's `sub`. */
  id: z.string(),
  /** The provider id the user signed in with. */
  provider: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
  picture: z.string().optional(),
})

export type User = z.infer<typeof userSchema>

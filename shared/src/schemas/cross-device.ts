import { z } from 'zod'
import { clientCodeHashSchema, flowIdSchema, hashMethodNameSchema, providerIdSchema } from './primitives.js'

/** `auth.start` with `mode: "cross-device"` (v1.1): a device that will be approved from another one. */
export const crossDeviceStartInput = z.object({
  mode: z.literal('cross-device'),
  clientCodeHash: clientCodeHashSchema,
  hashMethod: hashMethodNameSchema,
  provider: providerIdSchema.optional(),
  /** Shown on the approving device ("Living-room TV"). */
  deviceName: z.string().trim().min(1).max(64).optional(),
})

export const crossDeviceStartOutput = z.object({
  flowId: z.string(),
  /** `XXXX-XXXX`, typed on the second device. */
  userCode: z.string(),
  /** `{PUBLIC_URL}/link` */
  verificationUri: z.string(),
  /** `{PUBLIC_URL}/link?code=XXXX-XXXX`: what the QR code holds. */
  verificationUriComplete: z.string(),
  expiresAt: z.string(),
  /** Seconds to wait between `auth.poll` calls. */
  interval: z.number().int().positive(),
})

export type CrossDeviceStartInput = z.infer<typeof crossDeviceStartInput>
export type CrossDeviceStartOutput = z.infer<typeof crossDeviceStartOutput>

/** Where a cross-device flow stands. `approved`, `denied` and `expired` are final. */
export const FLOW_STATUSES = ['pending', 'opened', 'approved', 'denied', 'expired'] as const
export type FlowStatus = (typeof FLOW_STATUSES)[number]

/** `auth.watch` and `auth.poll` input. */
export const flowStatusInput = z.object({ flowId: flowIdSchema })

/** What `auth.watch` yields and `auth.poll` returns; `serverCode` only with `approved`. */
export const flowStatusOutput = z.object({
  status: z.enum(FLOW_STATUSES),
  serverCode: z.string().optional(),
})

export type FlowStatusInput = z.infer<typeof flowStatusInput>
export type FlowStatusOutput = z.infer<typeof flowStatusOutput>

/** True for the statuses after which nothing changes. */
export function isFinalStatus(status: FlowStatus): boolean {
  return status === 'approved' || status === 'denied' || status === 'expired'
}

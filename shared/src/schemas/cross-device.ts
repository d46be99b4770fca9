import { z } from 'zod'
import { clientCodeHashSchema, flowIdSchema, hashMethodNameSchema, providerIdSchema } from './primitives.js'

/** Longest `deviceName` `auth.start` accepts. */
export const DEVICE_NAME_MAX = 40

/**
 * The characters a `deviceName` may hold: letters, digits, spaces and `' ’ . , - _ # ( ) & +`.
 * No line breaks, no bidi controls, no quotes or colons to fake labels, no symbols or emoji.
 */
const DEVICE_NAME_PATTERN = /^[\p{L}\p{M}\p{N}'’.,\-_#()&+]+(?: [\p{L}\p{M}\p{N}'’.,\-_#()&+]+)*$/u

/**
 * A name the waiting device reports for itself ("Living room TV"). The approving
 * page shows it as a claim ("The device says its name is …"), and it is held to
 * a short, plain alphabet so it cannot pass for the page's own words.
 *
 * @example
 * deviceNameSchema.parse('Kiosk 4 (lobby)') // 'Kiosk 4 (lobby)'
 * deviceNameSchema.safeParse('Your iPhone (this phone) – security re-check').success // false
 */
export const deviceNameSchema = z.string().trim().min(1).max(DEVICE_NAME_MAX).regex(DEVICE_NAME_PATTERN)

/**
 * Makes any text (a host name, a user's `--name`) into a `deviceName` the
 * schema accepts: other characters become spaces, runs of spaces one, cut to
 * {@link DEVICE_NAME_MAX}. Undefined when nothing is left.
 *
 * @example
 * toDeviceName('build-host.example.net') // 'build-host.example.net'
 * toDeviceName('TV 📺 "lounge"') // 'TV lounge'
 */
export function toDeviceName(text: string): string | undefined {
  const plain = text
    .replace(/[^\p{L}\p{M}\p{N}'’.,\-_#()&+]+/gu, ' ')
    .trim()
    .slice(0, DEVICE_NAME_MAX)
    .trim()
  return deviceNameSchema.safeParse(plain).success ? plain : undefined
}

/** `auth.start` with `mode: "cross-device"` (v1.1): a device that will be approved from another one. */
export const crossDeviceStartInput = z.object({
  mode: z.literal('cross-device'),
  clientCodeHash: clientCodeHashSchema,
  hashMethod: hashMethodNameSchema,
  provider: providerIdSchema.optional(),
  /** Shown on the approving device, labelled as the device's claim ("Living-room TV"); see {@link deviceNameSchema}. */
  deviceName: deviceNameSchema.optional(),
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

import { createClientCodePair, type ClientCodePair, type FlowStatusOutput } from '@boarding-pass/shared'
import { expect } from 'vitest'
import { callProcedure, type WireResponse } from '../support/trpc-http.js'

/** What device A (the TV, the CLI) holds after `auth.start` with `mode: "cross-device"`. */
export interface StartedDevice {
  pair: ClientCodePair
  flowId: string
  userCode: string
  verificationUri: string
  verificationUriComplete: string
  expiresAt: string
  interval: number
}

/** A desktop Chrome on Linux, so the approving page has something to show. */
export const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'

/** Device A, step 1: a Client Code pair and `auth.start` in cross-device mode at `baseUrl`, asserted to succeed. */
export async function startDevice(
  baseUrl: string,
  options: { provider?: string; deviceName?: string; userAgent?: string } = {},
): Promise<StartedDevice> {
  const pair = await createClientCodePair()
  const response = await callProcedure<Omit<StartedDevice, 'pair'>>(baseUrl, 'auth.start', {
    mutation: {
      mode: 'cross-device',
      clientCodeHash: pair.clientCodeHash,
      hashMethod: pair.hashMethod,
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.deviceName ? { deviceName: options.deviceName } : {}),
    },
    headers: { 'user-agent': options.userAgent ?? DESKTOP_CHROME },
  })
  expect(response.status, JSON.stringify(response.body)).toBe(200)
  return { pair, ...response.body.result!.data }
}

/** `auth.poll` once. */
export function poll(baseUrl: string, flowId: string): Promise<WireResponse<FlowStatusOutput>> {
  return callProcedure<FlowStatusOutput>(baseUrl, 'auth.poll', { mutation: { flowId } })
}

/** `auth.complete` with the device's Client Code and the Server Code it was given. */
export function complete(baseUrl: string, device: StartedDevice, serverCode: string) {
  return callProcedure<{ accessToken: string; refreshToken: string; user: { id: string; provider: string; name?: string } }>(
    baseUrl,
    'auth.complete',
    { mutation: { clientCode: device.pair.clientCode, serverCode } },
  )
}

/** A flowId no one started: the right shape (22 base64url characters), but unknown. */
export function unknownFlowId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')
}

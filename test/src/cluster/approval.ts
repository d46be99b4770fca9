import { expect } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { startDevice } from '../cross-device/device.js'
import { Phone } from '../cross-device/phone.js'
import { watch } from '../cross-device/watch.js'

/**
 * A cross-device flow watched on `watcher`, its confirmation page opened on
 * `approver`: the milliseconds until the watcher hears `opened`. Pub/sub
 * carries it; without it the watcher would hear it at its timed re-read (15 s).
 */
export async function openedLatency(publicUrl: string, watcher: TestInstance, approver: TestInstance): Promise<number> {
  const device = await startDevice(watcher.address, { provider: 'acme', deviceName: 'Hotel TV' })
  const stream = await watch(watcher.address, device.flowId)
  try {
    await stream.waitForStatus('pending', 5_000)
    const phone = new Phone(publicUrl, { origin: approver.address })
    const sent = performance.now()
    const page = await phone.open(device.userCode)
    expect(page.status).toBe(200)
    const opened = await stream.waitForStatus('opened', 20_000)
    return opened.at - sent
  } finally {
    stream.close()
  }
}

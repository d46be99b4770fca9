import type { TestInstance } from '../../support/boarding-pass.js'
import { startService, type Service, type ServiceOptions } from '../../support/service.js'

/**
 * Waits until `instance` has its signing keys (its JWKS answers 200). An
 * instance connects to Redis in the background, so right after start it may
 * not sign yet; attack tests wait for that, so that a refusal they assert is
 * the attack's and not start-up's (faults.test.ts tests start-up itself).
 */
export async function untilSigning(instance: TestInstance, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const response = await fetch(`${instance.address}/.well-known/jwks.json`).catch(() => undefined)
    if (response?.status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${instance.address} did not load its signing keys within ${timeoutMs} ms`)
}

/**
 * The service as deployed (third-party provider, real Redis, one or more
 * instances), ready to sign on every instance. Rate limits are off unless the
 * test turns them on: the suite's Redis and address are shared by every test
 * file, so limits on would make one file's calls count against another's.
 */
export async function startAttackedService(options: ServiceOptions = {}): Promise<Service> {
  const service = await startService({ ...options, env: { AUTH_RATE_LIMITS: 'off', ...options.env } })
  try {
    await Promise.all(service.instances.map((instance) => untilSigning(instance)))
  } catch (error) {
    await service.close()
    throw error
  }
  return service
}

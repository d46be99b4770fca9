import { isFinalStatus, type FlowStatusOutput } from '@boarding-pass/shared'
import { AuthError } from '../../errors.js'
import type { Services } from '../../services.js'
import type { DeviceFlowRecord } from '../../store/index.js'
import { POLL_INTERVAL, STATUS_GRACE_MS } from './start.js'

/** How long a watcher waits on pub/sub before re-reading the store anyway. */
const WATCH_REREAD_MS = 15_000

/** The status as the waiting device sees it: time turns a pending or opened flow into `expired`. */
export function viewOf(record: DeviceFlowRecord, now: number): FlowStatusOutput {
  if (record.status === 'approved') return { status: 'approved', serverCode: record.serverCode }
  if (isFinalStatus(record.status)) return { status: record.status }
  return { status: now >= record.expiresAt ? 'expired' : record.status }
}

/** The flow's status; `invalid_grant` when there is no such flow (unknown, or forgotten after it ended). */
export async function readFlowStatus(services: Services, flowId: string): Promise<FlowStatusOutput> {
  const record = await services.store.deviceFlows.get(flowId)
  if (!record) throw new AuthError('invalid_grant')
  return viewOf(record, services.now())
}

/**
 * `auth.poll`: the status once. Polling faster than the interval is refused
 * with `rate_limited`; the mark that enforces it is set atomically, so parallel
 * polls cannot slip through together.
 */
export async function pollFlow(services: Services, flowId: string): Promise<FlowStatusOutput> {
  const view = await readFlowStatus(services, flowId)
  const fresh = await services.store.polls.putIfAbsent(flowId, services.now(), POLL_INTERVAL * 1000 - 50)
  if (!fresh) throw new AuthError('rate_limited', 'Polled faster than the interval; slow down.', { retryAfter: POLL_INTERVAL })
  return view
}

/**
 * `auth.watch`: yields the status now and at every change, and ends after a
 * final one (`approved`, `denied`, `expired`). Changes arrive through
 * {@link FlowEvents} (across instances with Redis); the store stays the truth.
 */
export async function* watchFlow(services: Services, flowId: string, signal?: AbortSignal): AsyncGenerator<FlowStatusOutput> {
  let last: string | undefined
  while (!signal?.aborted) {
    const record = await services.store.deviceFlows.get(flowId)
    const now = services.now()
    const view: FlowStatusOutput = record ? viewOf(record, now) : { status: 'expired' }
    if (view.status !== last) {
      last = view.status
      yield view
    }
    if (isFinalStatus(view.status) || !record) return
    await services.flowEvents.next(flowId, Math.min(WATCH_REREAD_MS, record.expiresAt - now + 10), signal)
  }
}

/** Updates a flow's status (keeping its lifetime) and wakes its watchers everywhere. */
export async function setFlowStatus(
  services: Services,
  flowId: string,
  update: Pick<DeviceFlowRecord, 'status'> & Partial<Pick<DeviceFlowRecord, 'serverCode'>>,
): Promise<DeviceFlowRecord | undefined> {
  const { store, now } = services
  const record = await store.deviceFlows.get(flowId)
  if (!record) return undefined
  const next = { ...record, ...update }
  await store.deviceFlows.put(flowId, next, Math.max(1, record.expiresAt + STATUS_GRACE_MS - now()))
  await services.flowEvents.publish(flowId)
  return next
}

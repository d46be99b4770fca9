import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { expectNothingInternal, expectRefusal, type RefusalError } from '../support/refusal.js'
import { poll, unknownFlowId } from './device.js'
import { startDevService } from './service.js'
import { watch } from './watch.js'

describe('an unknown flowId at auth.watch or auth.poll is invalid_grant', () => {
  let bp: TestInstance

  beforeAll(async () => {
    bp = await startDevService()
  })
  afterAll(() => bp?.close())

  it('auth.watch: the SSE stream carries a `serialized-error` event with reason invalid_grant, then ends', async () => {
    const watcher = await watch(bp.url, unknownFlowId())
    const event = await watcher.waitFor((e) => e.event === 'serialized-error')
    await watcher.ended
    const error = JSON.parse(event.data) as RefusalError
    expect(error.data).toMatchObject({ reason: 'invalid_grant', code: 'UNAUTHORIZED', httpStatus: 401 })
    expect(error.message).toBe('The code or token is not valid.')
    expectNothingInternal(error)
    expect(watcher.statuses()).toEqual([])
  })

  it('auth.poll: HTTP 401 invalid_grant', async () => {
    expectRefusal(await poll(bp.url, unknownFlowId()), 'invalid_grant')
  })

  it('a malformed flowId is invalid_request, not a crash', async () => {
    expectRefusal(await poll(bp.url, ''), 'invalid_request')
    expectRefusal(await poll(bp.url, 'x'.repeat(129)), 'invalid_request')
  })
})

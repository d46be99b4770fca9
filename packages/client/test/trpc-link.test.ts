import { createTRPCUntypedClient } from '@trpc/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boardingPassLink } from '@boarding-pass/client/trpc'
import type { TestInstance } from '../../../test/src/support/boarding-pass.js'
import { harness, signInThroughProvider, startService } from './support.js'

let bp: TestInstance
beforeAll(async () => {
  bp = await startService({ AUTH_ACCESS_TOKEN_TTL: '2' })
})
afterAll(() => bp?.close())

describe('boardingPassLink (a real tRPC API: Boarding Pass’s own auth.me stands in for the app’s)', () => {
  it('batches calls with the access token, refreshing first when it has expired', async () => {
    const h = harness(bp)
    await signInThroughProvider(h, 'Ada Lovelace')
    const api = createTRPCUntypedClient({ links: [boardingPassLink(h.client, { url: `${bp.url}/trpc` })] })

    const [first, second] = await Promise.all([api.query('auth.me'), api.query('auth.me')])
    expect(first).toMatchObject({ name: 'Ada Lovelace' })
    expect(second).toEqual(first)
    expect(h.calls.at(-1)).toBe('auth.me,auth.me')

    await new Promise((resolve) => setTimeout(resolve, 2_100))
    expect(await api.query('auth.me')).toMatchObject({ name: 'Ada Lovelace' })
    expect(h.calls.slice(-2)).toEqual(['auth.refresh', 'auth.me'])
    h.client.dispose()
  })

  it('without batching, one request per call; signed out, the API’s refusal comes through as tRPC’s error', async () => {
    const h = harness(bp)
    await h.client.init()
    const api = createTRPCUntypedClient({ links: [boardingPassLink(h.client, { url: `${bp.url}/trpc`, batch: false })] })
    const error = (await api.query('auth.me').catch((e: unknown) => e)) as { data?: { reason?: string } }
    expect(error.data?.reason).toBe('invalid_token')
    expect(h.calls).toEqual(['auth.me'])
    h.client.dispose()
  })
})

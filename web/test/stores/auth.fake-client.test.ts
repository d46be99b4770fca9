import { TRPCClientError } from '@trpc/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { leaveFor } from '../../src/auth/navigation'
import { loadPage } from '../support/page'

// These tests replace the tRPC client with a fake, because a real server cannot
// be made to refuse with store_unavailable or rate_limited, or to vanish, on
// demand and at one exact step. Everything else is tested against a real server
// in auth.test.ts.
const fake = vi.hoisted(() => ({
  providers: vi.fn(),
  start: vi.fn(),
  complete: vi.fn(),
  refresh: vi.fn(),
  logout: vi.fn(),
  me: vi.fn(),
}))
vi.mock('../../src/api/client', () => ({
  createApiClient: () => ({
    auth: {
      providers: { query: fake.providers },
      start: { mutate: fake.start },
      complete: { mutate: fake.complete },
      refresh: { mutate: fake.refresh },
      logout: { mutate: fake.logout },
      me: { query: fake.me },
    },
  }),
}))
vi.mock('../../src/auth/navigation', () => ({ leaveFor: vi.fn() }))

function refusal(reason: string, code: string, httpStatus: number) {
  return TRPCClientError.from({ error: { message: 'refused', code: -32000, data: { code, httpStatus, reason } } })
}

const started = {
  flowId: 'flow-1',
  authorizationUrl: 'https://idp.example/authorize?state=flow-1',
  expiresAt: new Date(Date.now() + 600_000).toISOString(),
}
const pages: { close(): void }[] = []

beforeEach(() => {
  sessionStorage.clear()
  for (const fn of Object.values(fake)) fn.mockReset()
  fake.providers.mockResolvedValue([{ id: 'acme', name: 'Acme ID' }])
})
afterEach(() => {
  for (const page of pages.splice(0)) page.close()
})

describe('auth store with a fake tRPC client (refusals a real server cannot be made to give on demand)', () => {
  it.each([
    ['store_unavailable', 'SERVICE_UNAVAILABLE', 503, /briefly unavailable/],
    ['rate_limited', 'TOO_MANY_REQUESTS', 429, /Too many attempts/],
  ])(
    'fake client: auth.start refused with %s shows its message, and "try again" starts again with the same provider',
    async (reason, code, status, title) => {
      fake.start.mockRejectedValueOnce(refusal(reason, code, status)).mockResolvedValueOnce(started)
      const page = loadPage('http://localhost:3000/')
      pages.push(page)
      await page.ready

      await page.auth.signIn('acme')
      expect(page.auth.status).toBe('error')
      expect(page.auth.failure?.code).toBe(reason)
      expect(page.auth.failure?.title).toMatch(title)
      expect(page.auth.steps.at(-1)).toMatchObject({ action: 'auth.start', status: 'failed', received: { reason } })
      expect(Object.keys(sessionStorage).some((key) => key.startsWith('boarding-pass:flow:'))).toBe(false)

      await page.auth.retry()
      expect(page.auth.status).toBe('redirecting')
      expect(fake.start).toHaveBeenCalledTimes(2)
      expect(fake.start.mock.calls[1]?.[0]).toMatchObject({
        provider: 'acme',
        hashMethod: 'sha256',
        redirectUri: 'http://localhost:3000/callback',
      })
      expect(vi.mocked(leaveFor)).toHaveBeenLastCalledWith(started.authorizationUrl)
    },
  )

  it('fake client: a complete that gets no answer is a network failure, and the spent Client Code is not kept', async () => {
    sessionStorage.setItem(
      'boarding-pass:flow:flow-1',
      JSON.stringify({ clientCode: 'a'.repeat(43), provider: 'acme', expiresAt: Date.now() + 60_000 }),
    )
    fake.complete.mockRejectedValueOnce(TRPCClientError.from(new TypeError('Failed to fetch')))
    const page = loadPage('http://localhost:3000/callback?server_code=s3rv3r&flow=flow-1')
    pages.push(page)
    await page.ready
    expect(fake.complete).toHaveBeenCalledWith({ clientCode: 'a'.repeat(43), serverCode: 's3rv3r' })
    expect(page.auth.failure?.code).toBe('client:network')
    expect(sessionStorage.getItem('boarding-pass:flow:flow-1')).toBeNull()
    expect(sessionStorage.getItem('boarding-pass:completing')).toBeNull()
  })

  it('fake client: a failed provider list is its own failure, retried by reloading the list', async () => {
    fake.providers.mockReset()
    fake.providers
      .mockRejectedValueOnce(refusal('store_unavailable', 'SERVICE_UNAVAILABLE', 503))
      .mockResolvedValueOnce([{ id: 'acme', name: 'Acme ID' }])
    const page = loadPage('http://localhost:3000/')
    pages.push(page)
    await page.ready
    await vi.waitFor(() => expect(page.auth.providersFailure?.retry).toBe('reload-providers'))
    expect(page.auth.status).toBe('idle')
    await page.auth.loadProviders()
    expect(page.auth.providersFailure).toBeUndefined()
    expect(page.auth.providers).toEqual([{ id: 'acme', name: 'Acme ID' }])
  })
})

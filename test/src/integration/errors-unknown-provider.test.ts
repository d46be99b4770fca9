import { createClientCodePair } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRefusal } from '../support/refusal.js'
import { startService, type Service } from '../support/service.js'
import { callProcedure } from '../support/trpc-http.js'

describe('unknown_provider: auth.start names a provider that is not configured', () => {
  let service: Service
  let clientCodeHash: string

  beforeAll(async () => {
    service = await startService()
    clientCodeHash = (await createClientCodePair()).clientCodeHash
  })
  afterAll(() => service?.close())

  const start = (provider: string) =>
    callProcedure(service.bp.url, 'auth.start', {
      mutation: { provider, clientCodeHash, hashMethod: 'sha256', redirectUri: service.redirectUri },
    })

  it('lists only what is configured', async () => {
    const providers = await callProcedure(service.bp.url, 'auth.providers')
    expect(providers.body.result?.data).toEqual([{ id: 'acme', name: 'Acme ID' }])
    expect((await start('acme')).status).toBe(200)
  })

  it.each([
    ['a provider never configured', 'okta'],
    ['the configured id in another case', 'ACME'],
    ['the configured id with a space', 'acme '],
    ['the display name instead of the id', 'Acme ID'],
    ['the development provider, which does not run when AUTH_PROVIDERS is set', 'dev'],
    ['github, which is not configured here', 'github'],
    ['an object-prototype key', '__proto__'],
    ['another object-prototype key', 'constructor'],
  ])('refuses %s (%j) with 400', async (_why, provider) => {
    const error = expectRefusal(await start(provider), 'unknown_provider')
    expect(error.message).toBe('No such provider is configured.')
  })
})

import { describe, expect, it } from 'vitest'

/** The public surface of @boarding-pass/client: a change here is a change of contract. */
describe('@boarding-pass/client entry points', () => {
  it('the main entry exports exactly these', async () => {
    const client = await import('@boarding-pass/client')
    expect(Object.keys(client).sort()).toEqual([
      'BoardingPassError',
      'CLIENT_REASONS',
      'createBoardingPassClient',
      'indexedDbKeyStore',
      'isBoardingPassError',
      'maskSecret',
      'memoryKeyStore',
      'memoryStorage',
    ])
  })

  it('/trpc exports exactly the link', async () => {
    const trpc = await import('@boarding-pass/client/trpc')
    expect(Object.keys(trpc)).toEqual(['boardingPassLink'])
  })

  it('the main entry does not load @trpc/client (an optional peer, for /trpc only)', async () => {
    const { readFile } = await import('node:fs/promises')
    const { fileURLToPath } = await import('node:url')
    const src = fileURLToPath(new URL('../src/', import.meta.url))
    const { readdir } = await import('node:fs/promises')
    const files = (await readdir(src)).filter((name) => name.endsWith('.ts') && name !== 'trpc.ts')
    for (const name of files) expect(await readFile(`${src}${name}`, 'utf8')).not.toMatch(/from '@trpc\//)
  })
})

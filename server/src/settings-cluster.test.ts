import { describe, expect, it } from 'vitest'
import { SettingsError, parseSettings } from './settings.js'

/** The problems `env` is refused with (fails the test when it is accepted). */
function problems(env: Record<string, string | undefined>): { variable: string; message: string }[] {
  try {
    parseSettings(env)
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError)
    return (error as SettingsError).problems
  }
  throw new Error('settings were accepted')
}

/** A provider, so that WEB_CONCURRENCY > 1 is not refused for the development provider. */
const ACME = {
  AUTH_PROVIDERS: 'acme',
  AUTH_ACME_ISSUER: 'https://id.example.com',
  AUTH_ACME_ID: 'id',
  AUTH_ACME_SECRET: 'secret',
}

const SEEDS = 'redis://127.0.0.1:7000, redis://127.0.0.1:7001,redis://127.0.0.1:7002'

describe('REDIS_CLUSTER_NODES and WEB_CONCURRENCY (contract v1.2 "Redis Cluster")', () => {
  it('REDIS_CLUSTER_NODES: comma-separated seeds, trimmed', () => {
    const settings = parseSettings({ REDIS_CLUSTER_NODES: SEEDS })
    expect(settings.redisClusterNodes).toEqual(['redis://127.0.0.1:7000', 'redis://127.0.0.1:7001', 'redis://127.0.0.1:7002'])
    expect(settings.redisUrl).toBeUndefined()
  })

  it('setting both REDIS_URL and REDIS_CLUSTER_NODES is an error naming both', () => {
    const found = problems({ REDIS_CLUSTER_NODES: SEEDS, REDIS_URL: 'redis://127.0.0.1:6379' })
    expect(found).toHaveLength(1)
    expect(found[0]!.variable).toBe('REDIS_CLUSTER_NODES')
    expect(found[0]!.message).toContain('REDIS_URL')
  })

  it('a seed that is not redis://host:port, or none at all, is refused naming REDIS_CLUSTER_NODES', () => {
    for (const value of ['http://127.0.0.1:7000', 'redis://127.0.0.1', ' , ', 'redis://127.0.0.1:7000/0?x=1']) {
      expect(
        problems({ REDIS_CLUSTER_NODES: value }).map((problem) => problem.variable),
        value,
      ).toEqual(['REDIS_CLUSTER_NODES'])
    }
  })

  it('in production a cluster needs AUTH_KEY_ENCRYPTION_KEY, like REDIS_URL does, and says why', () => {
    const found = problems({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://login.example.com',
      AUTH_PROVIDERS: 'acme',
      AUTH_ACME_ISSUER: 'https://id.example.com',
      AUTH_ACME_ID: 'id',
      AUTH_ACME_SECRET: 'secret',
      REDIS_CLUSTER_NODES: SEEDS,
    })
    const problem = found.find((candidate) => candidate.variable === 'AUTH_KEY_ENCRYPTION_KEY')
    expect(problem?.message).toContain('REDIS_CLUSTER_NODES')
  })

  it('WEB_CONCURRENCY: 1 by default; N workers with a shared store', () => {
    expect(parseSettings({}).webConcurrency).toBe(1)
    expect(parseSettings({ ...ACME, WEB_CONCURRENCY: '4', REDIS_URL: 'redis://127.0.0.1:6379' }).webConcurrency).toBe(4)
    expect(parseSettings({ ...ACME, WEB_CONCURRENCY: '2', REDIS_CLUSTER_NODES: SEEDS }).webConcurrency).toBe(2)
  })

  it('WEB_CONCURRENCY above 1 with the in-process store is refused, naming WEB_CONCURRENCY and why', () => {
    const found = problems({ ...ACME, WEB_CONCURRENCY: '2' })
    expect(found.map((problem) => problem.variable)).toEqual(['WEB_CONCURRENCY'])
    expect(found[0]!.message).toMatch(/in-process store is per worker/)
    for (const value of ['0', 'two', '-1', '1000']) {
      const refused = problems({ ...ACME, WEB_CONCURRENCY: value, REDIS_URL: 'redis://127.0.0.1:6379' })
      expect(refused[0]!.variable, value).toBe('WEB_CONCURRENCY')
    }
  })

  it('WEB_CONCURRENCY above 1 with the development provider is refused (its sign-ins live in one process)', () => {
    const found = problems({ WEB_CONCURRENCY: '2', REDIS_URL: 'redis://127.0.0.1:6379' })
    expect(found.map((problem) => problem.variable)).toEqual(['WEB_CONCURRENCY'])
    expect(found[0]!.message).toMatch(/AUTH_PROVIDERS/)
  })
})

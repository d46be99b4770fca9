import { describe, expect, it } from 'vitest'
import { DEV_PROVIDER_ID, SettingsError, parseSettings } from './settings.js'

/** The SettingsError `env` produces (fails the test when there is none). */
function refusal(env: Record<string, string | undefined>): SettingsError {
  try {
    parseSettings(env)
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError)
    return error as SettingsError
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`)
}

/** Asserts `env` is refused, naming `variable` both in the problem list and in the message. */
function expectNamed(env: Record<string, string | undefined>, variable: string): SettingsError {
  const error = refusal(env)
  expect(error.problems.map((problem) => problem.variable)).toContain(variable)
  expect(error.message).toMatch(new RegExp(`^\\s+${variable}: .+`, 'm'))
  return error
}

const acme = {
  AUTH_PROVIDERS: 'acme',
  AUTH_ACME_ISSUER: 'https://id.acme.example',
  AUTH_ACME_ID: 'client',
  AUTH_ACME_SECRET: 'secret',
}

describe('parseSettings: defaults', () => {
  it('runs with an empty environment: the development provider, in-process store, port 3000', () => {
    const settings = parseSettings({})
    expect(settings).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      production: false,
      redirectUris: ['http://localhost:3000/callback'],
      providers: [],
      devProvider: true,
      audience: 'http://localhost:3000',
      signingAlg: 'EdDSA',
      serverCodeTtl: 60,
      logLevel: 'info',
    })
    expect(settings.redisUrl).toBeUndefined()
    expect(DEV_PROVIDER_ID).toBe('dev')
  })

  it('derives PUBLIC_URL from PORT, and the default redirect allow-list from PUBLIC_URL', () => {
    expect(parseSettings({ PORT: '4100' })).toMatchObject({
      publicUrl: 'http://localhost:4100',
      redirectUris: ['http://localhost:4100/callback'],
    })
    expect(parseSettings({ PUBLIC_URL: 'https://pass.example/' })).toMatchObject({
      publicUrl: 'https://pass.example',
      redirectUris: ['https://pass.example/callback'],
      audience: 'https://pass.example',
    })
  })

  it('keeps the Server Code within the contract: 60 s by default, at most 120 s', () => {
    expect(parseSettings({}).serverCodeTtl).toBe(60)
    expect(parseSettings({ AUTH_SERVER_CODE_TTL: '120' }).serverCodeTtl).toBe(120)
    expect(parseSettings({ AUTH_SERVER_CODE_TTL: '1' }).serverCodeTtl).toBe(1)
    expectNamed({ AUTH_SERVER_CODE_TTL: '121' }, 'AUTH_SERVER_CODE_TTL')
  })

  it('splits AUTH_REDIRECT_URIS on commas and trims each', () => {
    expect(
      parseSettings({ AUTH_REDIRECT_URIS: ' https://a.example/cb , http://127.0.0.1/cb,com.example.app:/cb ' }).redirectUris,
    ).toEqual(['https://a.example/cb', 'http://127.0.0.1/cb', 'com.example.app:/cb'])
  })

  it('an empty PORT is either the default or refused, never a random port (0)', () => {
    let port: number | undefined
    try {
      port = parseSettings({ PORT: '' }).port
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError)
      expect((error as SettingsError).problems.map((p) => p.variable)).toContain('PORT')
      return
    }
    expect(port).toBe(3000)
  })
})

describe('parseSettings: every bad variable is named', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['HOST', ''],
    ['PUBLIC_URL', 'not a url'],
    ['PUBLIC_URL', 'ftp://pass.example'],
    ['LOG_LEVEL', 'loud'],
    ['REDIS_URL', 'http://x'],
    ['REDIS_URL', 'localhost:6379'],
    ['AUTH_SIGNING_ALG', 'RS256'],
    ['AUTH_SIGNING_ALG', 'none'],
    ['AUTH_SERVER_CODE_TTL', '0'],
    ['AUTH_SERVER_CODE_TTL', '1.5'],
    ['AUTH_SERVER_CODE_TTL', 'soon'],
    ['AUTH_SERVER_CODE_TTL', '121'],
    ['AUTH_FLOW_TTL', '0'],
    ['AUTH_FLOW_TTL', '3601'],
    ['AUTH_ACCESS_TOKEN_TTL', '-5'],
    ['AUTH_ACCESS_TOKEN_TTL', '86401'],
    ['AUTH_REFRESH_TOKEN_TTL', 'forever'],
    ['AUTH_SIGNING_KEY_ROTATION', '0'],
    ['AUTH_MAX_PENDING_FLOWS', '5'],
    ['AUTH_AUDIENCE', ''],
  ])('%s=%j', (variable, value) => {
    expectNamed({ [variable]: value }, variable)
  })

  it.each([
    ['not an absolute URI', 'callback'],
    ['a fragment', 'https://app.example/cb#x'],
    ['http to a non-loopback host', 'http://app.example/cb'],
    ['a javascript: URI', 'javascript:alert(1)'],
    ['a data: URI', 'data:text/html,hi'],
    ['nothing but commas', ' , '],
  ])('AUTH_REDIRECT_URIS with %s', (_why, value) => {
    expectNamed({ AUTH_REDIRECT_URIS: value }, 'AUTH_REDIRECT_URIS')
  })

  it.each([
    ['an id with upper case and a space', 'Bad Id'],
    ['the reserved id dev', 'dev'],
    ['an id listed twice', 'acme,acme'],
  ])('AUTH_PROVIDERS with %s', (_why, value) => {
    expectNamed({ ...acme, AUTH_PROVIDERS: value }, 'AUTH_PROVIDERS')
  })

  it('reports every problem at once, not only the first', () => {
    const error = refusal({ PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' })
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['LOG_LEVEL', 'PORT', 'REDIS_URL'])
  })

  it('names the variable in the message with a reason after it', () => {
    const error = expectNamed({ REDIS_URL: 'http://x' }, 'REDIS_URL')
    expect(error.message).toContain('REDIS_URL: must be a redis:// or rediss:// URL')
    expect(error.name).toBe('SettingsError')
  })
})

describe('parseSettings: providers', () => {
  it('a generic OpenID provider needs AUTH_<ID>_ISSUER, _ID and _SECRET, each named when missing', () => {
    const error = refusal({ AUTH_PROVIDERS: 'acme' })
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['AUTH_ACME_ID', 'AUTH_ACME_ISSUER', 'AUTH_ACME_SECRET'])
    expectNamed({ ...acme, AUTH_ACME_ISSUER: undefined }, 'AUTH_ACME_ISSUER')
    expectNamed({ ...acme, AUTH_ACME_ID: '  ' }, 'AUTH_ACME_ID')
    expectNamed({ ...acme, AUTH_ACME_SECRET: '' }, 'AUTH_ACME_SECRET')
    expectNamed({ ...acme, AUTH_ACME_ISSUER: 'not a url' }, 'AUTH_ACME_ISSUER')
    expectNamed({ ...acme, AUTH_ACME_ISSUER: 'ftp://id.acme.example' }, 'AUTH_ACME_ISSUER')
  })

  it('parses a generic OpenID provider: name defaults to the id, openid always in the scopes', () => {
    const settings = parseSettings(acme)
    expect(settings.devProvider).toBe(false)
    expect(settings.providers).toEqual([
      {
        id: 'acme',
        kind: 'oidc',
        name: 'acme',
        issuer: 'https://id.acme.example',
        clientId: 'client',
        clientSecret: 'secret',
        scopes: ['openid', 'profile', 'email'],
        githubUrl: undefined,
        githubApiUrl: undefined,
      },
    ])
    const named = parseSettings({ ...acme, AUTH_ACME_NAME: 'Acme ID', AUTH_ACME_SCOPES: 'profile email groups' })
    expect(named.providers[0]).toMatchObject({ name: 'Acme ID', scopes: ['openid', 'profile', 'email', 'groups'] })
  })

  it('upper-cases the id for its variables, dashes as underscores', () => {
    const settings = parseSettings({
      AUTH_PROVIDERS: 'my-idp',
      AUTH_MY_IDP_ISSUER: 'https://idp.example',
      AUTH_MY_IDP_ID: 'id',
      AUTH_MY_IDP_SECRET: 'secret',
    })
    expect(settings.providers[0]).toMatchObject({ id: 'my-idp', issuer: 'https://idp.example' })
  })

  it('trims and splits AUTH_PROVIDERS, keeping the order', () => {
    const settings = parseSettings({
      AUTH_PROVIDERS: ' github , acme ,google',
      ...{ AUTH_GITHUB_ID: 'gh', AUTH_GITHUB_SECRET: 'ghs', AUTH_GOOGLE_ID: 'g', AUTH_GOOGLE_SECRET: 'gs' },
      ...{ AUTH_ACME_ISSUER: acme.AUTH_ACME_ISSUER, AUTH_ACME_ID: 'a', AUTH_ACME_SECRET: 'as' },
    })
    expect(settings.providers.map((p) => p.id)).toEqual(['github', 'acme', 'google'])
  })

  it('github needs no issuer: OAuth 2 against github.com, or the URLs given (GitHub Enterprise Server)', () => {
    const github = { AUTH_PROVIDERS: 'github', AUTH_GITHUB_ID: 'gh-id', AUTH_GITHUB_SECRET: 'gh-secret' }
    expect(parseSettings(github).providers[0]).toMatchObject({
      id: 'github',
      kind: 'github',
      name: 'GitHub',
      scopes: ['read:user', 'user:email'],
      githubUrl: 'https://github.com',
      githubApiUrl: 'https://api.github.com',
    })
    const enterprise = parseSettings({
      ...github,
      AUTH_GITHUB_URL: 'https://git.corp.example/',
      AUTH_GITHUB_API_URL: 'https://git.corp.example/api/v3/',
    })
    expect(enterprise.providers[0]).toMatchObject({
      githubUrl: 'https://git.corp.example',
      githubApiUrl: 'https://git.corp.example/api/v3',
    })
    expectNamed({ ...github, AUTH_GITHUB_URL: 'git.corp.example' }, 'AUTH_GITHUB_URL')
    expectNamed({ ...github, AUTH_GITHUB_API_URL: 'javascript:alert(1)' }, 'AUTH_GITHUB_API_URL')
    expectNamed({ ...github, AUTH_GITHUB_SECRET: undefined }, 'AUTH_GITHUB_SECRET')
  })

  it('google needs no issuer: accounts.google.com', () => {
    const settings = parseSettings({ AUTH_PROVIDERS: 'google', AUTH_GOOGLE_ID: 'g', AUTH_GOOGLE_SECRET: 'gs' })
    expect(settings.providers[0]).toMatchObject({
      kind: 'google',
      name: 'Google',
      issuer: 'https://accounts.google.com',
      scopes: ['openid', 'profile', 'email'],
    })
  })
})

describe('parseSettings: AUTH_CLIENT_ID (RFC 9068 client_id)', () => {
  it('defaults to PUBLIC_URL', () => {
    expect(parseSettings({ PUBLIC_URL: 'https://pass.example' }).clientId).toBe('https://pass.example')
  })

  it('takes the value given', () => {
    expect(parseSettings({ AUTH_CLIENT_ID: 'orders-web' }).clientId).toBe('orders-web')
  })

  it('refuses an empty value, spaces or control characters, naming the variable', () => {
    for (const value of ['', 'two words', 'tab\there', 'x'.repeat(256)]) expectNamed({ AUTH_CLIENT_ID: value }, 'AUTH_CLIENT_ID')
  })
})

describe('parseSettings: production', () => {
  it('refuses to run the development provider (AUTH_PROVIDERS is required)', () => {
    const error = expectNamed({ NODE_ENV: 'production', PUBLIC_URL: 'https://pass.example' }, 'AUTH_PROVIDERS')
    expect(error.message).toMatch(/AUTH_PROVIDERS: is required when NODE_ENV=production/)
  })

  it('requires an https PUBLIC_URL', () => {
    expectNamed({ ...acme, NODE_ENV: 'production', PUBLIC_URL: 'http://pass.example' }, 'PUBLIC_URL')
    expectNamed({ ...acme, NODE_ENV: 'production' }, 'PUBLIC_URL')
  })

  it('refuses a plain-http provider that is not loopback, naming the variable', () => {
    const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://pass.example' }
    const error = expectNamed({ ...acme, ...production, AUTH_ACME_ISSUER: 'http://idp.example.com' }, 'AUTH_ACME_ISSUER')
    expect(error.message).toMatch(/AUTH_ACME_ISSUER: must be https:\/\/ when NODE_ENV=production/)
    const github = { AUTH_PROVIDERS: 'github', AUTH_GITHUB_ID: 'i', AUTH_GITHUB_SECRET: 's' }
    expectNamed({ ...github, ...production, AUTH_GITHUB_URL: 'http://github.example.com' }, 'AUTH_GITHUB_URL')
    expectNamed({ ...github, ...production, AUTH_GITHUB_API_URL: 'http://api.github.example.com' }, 'AUTH_GITHUB_API_URL')
    // Looks like loopback, is not.
    expectNamed({ ...acme, ...production, AUTH_ACME_ISSUER: 'http://127.0.0.1.evil.example' }, 'AUTH_ACME_ISSUER')
    expectNamed({ ...acme, ...production, AUTH_ACME_ISSUER: 'http://localhost.evil.example' }, 'AUTH_ACME_ISSUER')
  })

  it('keeps loopback http providers (a provider on the same machine), and any http provider outside production', () => {
    const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://pass.example' }
    for (const issuer of ['http://127.0.0.1:8080', 'http://[::1]:8080/realms/x', 'http://localhost:9000', 'http://127.0.0.2']) {
      expect(parseSettings({ ...acme, ...production, AUTH_ACME_ISSUER: issuer }).providers[0]?.issuer).toBe(issuer)
    }
    expect(parseSettings({ ...acme, AUTH_ACME_ISSUER: 'http://idp.example.com' }).providers[0]?.issuer).toBe(
      'http://idp.example.com',
    )
  })

  it('runs with real providers behind https', () => {
    const settings = parseSettings({ ...acme, NODE_ENV: 'production', PUBLIC_URL: 'https://pass.example' })
    expect(settings).toMatchObject({ production: true, devProvider: false, publicUrl: 'https://pass.example' })
  })
})

describe('parseSettings: no secret is echoed', () => {
  const secret = 'sup3r-s3cret-value-0a1b2c'

  it.each([
    ['a provider secret beside a missing issuer', { AUTH_PROVIDERS: 'acme', AUTH_ACME_ID: 'id', AUTH_ACME_SECRET: secret }],
    ['a provider secret beside a bad issuer', { ...acme, AUTH_ACME_SECRET: secret, AUTH_ACME_ISSUER: 'nope' }],
    ['a password in a malformed REDIS_URL', { REDIS_URL: `http://user:${secret}@redis.example:6379` }],
    ['a password in a REDIS_URL beside another problem', { REDIS_URL: `redis://:${secret}@redis.example`, PORT: 'abc' }],
    [
      'a github secret beside a bad URL',
      { AUTH_PROVIDERS: 'github', AUTH_GITHUB_ID: 'i', AUTH_GITHUB_SECRET: secret, AUTH_GITHUB_URL: 'x' },
    ],
  ])('%s', (_why, env) => {
    const error = refusal(env as Record<string, string>)
    expect(error.message).not.toContain(secret)
    expect(JSON.stringify(error.problems)).not.toContain(secret)
  })
})

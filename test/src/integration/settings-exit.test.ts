import { existsSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAIN, runMain } from '../support/main-process.js'
import { freePort } from '../support/ports.js'

const SECRET = 'sup3r-s3cret-value-5e7a9c'
const run = runMain

describe.concurrent('a bad or missing setting stops `node server/dist/main.js` at start, naming the variable', () => {
  let port: string

  beforeAll(async () => {
    expect(existsSync(MAIN), `${MAIN} is missing: build first (pnpm build)`).toBe(true)
    port = String(await freePort())
  })

  it.each<{ name: string; env: Record<string, string>; variable: string }>([
    { name: 'PORT=abc', env: { PORT: 'abc' }, variable: 'PORT' },
    {
      name: 'REDIS_URL with a password but the wrong scheme',
      env: { REDIS_URL: `http://user:${SECRET}@redis.example:6379` },
      variable: 'REDIS_URL',
    },
    {
      name: 'AUTH_PROVIDERS=acme without AUTH_ACME_ISSUER',
      env: { AUTH_PROVIDERS: 'acme', AUTH_ACME_ID: 'id', AUTH_ACME_SECRET: SECRET },
      variable: 'AUTH_ACME_ISSUER',
    },
    {
      name: 'NODE_ENV=production without AUTH_PROVIDERS',
      env: { NODE_ENV: 'production', PUBLIC_URL: 'https://pass.example' },
      variable: 'AUTH_PROVIDERS',
    },
    {
      name: 'AUTH_SERVER_CODE_TTL above the contract’s 120 s',
      env: { AUTH_SERVER_CODE_TTL: '600' },
      variable: 'AUTH_SERVER_CODE_TTL',
    },
    { name: 'PUBLIC_URL that is not a URL', env: { PUBLIC_URL: 'not a url' }, variable: 'PUBLIC_URL' },
    {
      name: 'AUTH_ACME_ISSUER that is not a URL',
      env: { AUTH_PROVIDERS: 'acme', AUTH_ACME_ID: 'id', AUTH_ACME_SECRET: SECRET, AUTH_ACME_ISSUER: 'not a url' },
      variable: 'AUTH_ACME_ISSUER',
    },
    {
      name: 'NODE_ENV=production with a plain-http, non-loopback AUTH_ACME_ISSUER',
      env: {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://pass.example',
        AUTH_PROVIDERS: 'acme',
        AUTH_ACME_ID: 'id',
        AUTH_ACME_SECRET: SECRET,
        AUTH_ACME_ISSUER: 'http://idp.example.com',
      },
      variable: 'AUTH_ACME_ISSUER',
    },
    {
      name: 'NODE_ENV=production with a plain-http, non-loopback AUTH_GITHUB_URL',
      env: {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://pass.example',
        AUTH_PROVIDERS: 'github',
        AUTH_GITHUB_ID: 'id',
        AUTH_GITHUB_SECRET: SECRET,
        AUTH_GITHUB_URL: 'http://github.example.com',
      },
      variable: 'AUTH_GITHUB_URL',
    },
    { name: 'AUTH_CLIENT_ID with a space', env: { AUTH_CLIENT_ID: 'two words' }, variable: 'AUTH_CLIENT_ID' },
    {
      name: 'NODE_ENV=production with REDIS_URL but no AUTH_KEY_ENCRYPTION_KEY',
      env: {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://pass.example',
        REDIS_URL: 'redis://127.0.0.1:1',
        AUTH_PROVIDERS: 'acme',
        AUTH_ACME_ID: 'id',
        AUTH_ACME_SECRET: SECRET,
        AUTH_ACME_ISSUER: 'https://idp.example.com',
      },
      variable: 'AUTH_KEY_ENCRYPTION_KEY',
    },
    {
      name: 'AUTH_KEY_ENCRYPTION_KEY that is not 32 bytes of base64url',
      env: { AUTH_KEY_ENCRYPTION_KEY: SECRET },
      variable: 'AUTH_KEY_ENCRYPTION_KEY',
    },
  ])('$name → exit ≠ 0, stderr names $variable, no stack, no secret', async ({ env, variable }) => {
    const { code, stdout, stderr } = await run({ HOST: '127.0.0.1', PORT: port, ...env })
    expect(code, stderr).not.toBe(0)
    expect(code).not.toBeNull()
    expect(stderr).toMatch(new RegExp(`\\b${variable}\\b`))
    expect(stderr, 'a stack trace on stderr').not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
    expect(stdout + stderr).not.toContain(SECRET)
    expect(stdout).not.toMatch(/is running/)
  })
})

import { type TokenResponse } from '@boarding-pass/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevice } from '../cross-device/device.js'
import { watch } from '../cross-device/watch.js'
import { parseSettings } from '@boarding-pass/server'
import { startBoardingPass, type TestInstance } from '../support/boarding-pass.js'
import { createClock } from '../support/clock.js'
import { jose } from '../support/jose.js'
import { freePort } from '../support/ports.js'
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js'
import { expectRefusal } from '../support/refusal.js'
import { beginFlow, obtainServerCode, signIn } from '../support/sign-in.js'
import { browserlessLogin } from '../support/browserless-login.js'
import { callProcedure } from '../support/trpc-http.js'

/**
 * Issue 12 item 3: Prometheus metrics on their own port (METRICS_PORT, bound to
 * HOST), scraped over HTTP after a scripted set of flows through the built-in
 * development provider: every counter says exactly what happened, and no label
 * carries a user, a token or a URL. The Redis is this file's own, so the rate
 * limit counts only these calls, and it is stopped at the end for a store error.
 */
const COMPLETE_LIMIT = 4
const ROTATION_SECONDS = 3_600

describe('metrics on METRICS_PORT after a scripted set of flows', () => {
  let redis: PrivateRedis
  let bp: TestInstance
  let metricsUrl: string
  let redirectUri: string
  const secrets: string[] = []
  const clock = createClock()

  beforeAll(async () => {
    redis = await startPrivateRedis()
    bp = await startBoardingPass(
      {
        REDIS_URL: redis.url,
        METRICS_PORT: String(await freePort()),
        AUTH_RATE_LIMITS: 'on',
        AUTH_RATE_LIMIT_COMPLETE: `${COMPLETE_LIMIT}/60`,
        AUTH_SIGNING_KEY_ROTATION: String(ROTATION_SECONDS),
      },
      undefined,
      { now: clock.now },
    )
    redirectUri = `${bp.url}/callback`
    metricsUrl = `${bp.app.metricsAddress}/metrics`
  })
  afterAll(async () => {
    await bp?.close()
    await redis?.stop()
  })

  const scrape = async () => {
    const response = await fetch(metricsUrl)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    return response.text()
  }
  const remember = (tokens: TokenResponse) => {
    const claims = jose.decodeJwt(tokens.accessToken)
    secrets.push(tokens.accessToken, tokens.refreshToken, tokens.refreshToken.split('.')[0]!, String(claims.sub))
    secrets.push(...Object.values(tokens.user).filter((value): value is string => typeof value === 'string' && value.length > 3))
  }
  const complete = (clientCode: string, serverCode: string) =>
    callProcedure(bp.url, 'auth.complete', { mutation: { clientCode, serverCode } })

  it('listens on HOST at its own port, and the public port has no /metrics', async () => {
    expect(bp.app.metricsAddress).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(bp.app.metricsAddress).not.toBe(bp.app.address)
    const onPublic = await fetch(`${bp.address}/metrics`)
    expect(onPublic.status).toBe(404)
    expect(await onPublic.text()).not.toContain('bp_flows')
    expect((await fetch(`${bp.app.metricsAddress}/`)).status).toBe(404)
    // Off by default: an instance without METRICS_PORT has no metrics listener.
    const plain = await startBoardingPass({ REDIS_URL: redis.url })
    expect(plain.app.metricsAddress).toBeUndefined()
    await plain.close()
  })

  it('counts sign-ins, refusals, a refresh, a reuse, a logout, a rate-limited call and an open watch exactly', async () => {
    const ada = await signIn(bp.url, { provider: 'dev', redirectUri, name: 'Ada Lovelace' })
    const grace = await signIn(bp.url, { provider: 'dev', redirectUri, name: 'Grace Hopper' })
    remember(ada)
    remember(grace)

    // Refusals: an unknown provider at start, and a Client Code that does not match (it spends the Server Code).
    expectRefusal(
      await callProcedure(bp.url, 'auth.start', {
        mutation: { provider: 'nope', clientCodeHash: 'A'.repeat(43), hashMethod: 'sha256', redirectUri },
      }),
      'unknown_provider',
    )
    const made = await obtainServerCode(bp.url, { provider: 'dev', redirectUri, name: 'Mallory' })
    secrets.push(made.serverCode, made.flow.flowId, made.flow.pair.clientCode)
    expectRefusal(await complete('C'.repeat(43), made.serverCode), 'invalid_grant')

    // A refresh, then the spent token presented again (reuse: Ada's login is revoked).
    const rotated = await callProcedure<TokenResponse>(bp.url, 'auth.refresh', { mutation: { refreshToken: ada.refreshToken } })
    expect(rotated.status).toBe(200)
    remember(rotated.body.result!.data)
    expectRefusal(await callProcedure(bp.url, 'auth.refresh', { mutation: { refreshToken: ada.refreshToken } }), 'invalid_grant')

    // A logout.
    const out = await callProcedure(bp.url, 'auth.logout', { mutation: { refreshToken: grace.refreshToken } })
    expect(out.body.result?.data).toEqual({ ok: true })

    // auth.complete has been called 3 times; the 4th is refused as invalid_grant, the 5th is rate-limited.
    expectRefusal(await complete('C'.repeat(43), 'S'.repeat(43)), 'invalid_grant')
    expectRefusal(await complete('C'.repeat(43), 'S'.repeat(43)), 'rate_limited')

    // One cross-device flow, watched: one open stream while it is watched.
    const device = await startDevice(bp.url, { provider: 'dev' })
    secrets.push(device.flowId, device.userCode)
    const watcher = await watch(bp.url, device.flowId)
    await watcher.waitForStatus('pending')

    const text = await scrape()
    const value = (name: string, labels: Record<string, string> = {}) => sample(text, name, labels)
    expect(value('bp_flows_started_total', { mode: 'redirect', provider: 'dev' })).toBe(3)
    expect(value('bp_flows_started_total', { mode: 'cross-device', provider: 'dev' })).toBe(1)
    expect(value('bp_flows_completed_total', { provider: 'dev' })).toBe(2)
    expect(value('bp_flows_refused_total', { step: 'auth.start', reason: 'unknown_provider' })).toBe(1)
    expect(value('bp_flows_refused_total', { step: 'auth.complete', reason: 'invalid_grant' })).toBe(2)
    expect(value('bp_flows_refused_total', { step: 'auth.complete', reason: 'rate_limited' })).toBe(1)
    expect(value('bp_flows_refused_total', { step: 'auth.refresh', reason: 'invalid_grant' })).toBe(1)
    expect(value('bp_refreshes_total')).toBe(1)
    expect(value('bp_refresh_token_reuse_total')).toBe(1)
    expect(value('bp_logouts_total')).toBe(1)
    expect(value('bp_rate_limited_total', { limiter: 'complete' })).toBe(1)
    expect(value('bp_watch_streams')).toBe(1)
    expect(value('bp_signing_key_rotations_total')).toBe(0)
    expect(value('bp_store_errors_total')).toBeUndefined()
    // Server Codes taken: two sign-ins, the wrong Client Code, the unknown Server Code, and the rate-limited
    // call's (its take rides with the limit's count, and whatever it took goes back).
    expect(value('bp_store_operation_seconds_count', { table: 'code', op: 'take' })).toBe(5)
    // Latency per procedure and status, counted once per request (the watch is still open, so not yet counted).
    expect(value('bp_http_request_duration_seconds_count', { route: 'auth.complete', method: 'POST', status: '200' })).toBe(2)
    expect(value('bp_http_request_duration_seconds_count', { route: 'auth.complete', method: 'POST', status: '401' })).toBe(2)
    expect(value('bp_http_request_duration_seconds_count', { route: 'auth.complete', method: 'POST', status: '429' })).toBe(1)
    expect(value('bp_http_request_duration_seconds_count', { route: 'auth.watch', method: 'GET', status: '200' })).toBeUndefined()
    // Default process metrics are there too.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m)

    watcher.close()
    await expect.poll(async () => sample(await scrape(), 'bp_watch_streams', {}), { timeout: 5_000 }).toBe(0)
    const after = await scrape()
    expect(sample(after, 'bp_http_request_duration_seconds_count', { route: 'auth.watch', method: 'GET', status: '200' })).toBe(1)
  })

  it('the provider’s callback counts its refusals too: a login denied at the provider, a callback for no live flow', async () => {
    const refused = async (reason: string) => sample(await scrape(), 'bp_flows_refused_total', { step: 'callback', reason }) ?? 0
    const [denied, unknown] = [await refused('access_denied'), await refused('unknown_flow')]
    const flow = await beginFlow(bp.url, { provider: 'dev', redirectUri })
    const back = await browserlessLogin(flow.authorizationUrl, { deny: true, stopAt: redirectUri })
    expect(back.searchParams.get('error')).toBe('access_denied')
    await (await fetch(`${bp.url}/auth/callback?state=${'x'.repeat(22)}&code=abc`, { redirect: 'manual' })).text()
    expect(await refused('access_denied')).toBe(denied + 1)
    expect(await refused('unknown_flow')).toBe(unknown + 1)
  })

  it('an unknown procedure or path is labelled by a fixed name, never by what the client sent', async () => {
    const count = (text: string, route: string) =>
      sample(text, 'bp_http_request_duration_seconds_count', { route, method: 'GET', status: '404' }) ?? 0
    const before = await scrape()
    await fetch(`${bp.url}/trpc/auth.whoami-ada@example.com`)
    await fetch(`${bp.url}/some/path/ada@example.com?token=abc`)
    const text = await scrape()
    expect(count(text, 'trpc_unknown') - count(before, 'trpc_unknown')).toBe(1)
    expect(count(text, 'other') - count(before, 'other')).toBe(1)
    expect(text).not.toContain('example.com')
    expect(text).not.toContain('some/path')
  })

  it('no label holds user data: no name, email, user id, login id, flow id or token appears in the exposition', async () => {
    const text = await scrape()
    expect(secrets.length).toBeGreaterThan(10)
    for (const secret of secrets) expect(text, `the exposition holds ${secret}`).not.toContain(secret)
    expect(text).not.toMatch(/Lovelace|Hopper|Mallory|@/)
    // Every label value is from a closed, code-controlled set: short words, procedure names, digits.
    for (const [, labels] of text.matchAll(/^bp_\w+\{([^}]*)\}/gm)) {
      for (const [, label, value] of labels!.matchAll(/(\w+)="([^"]*)"/g)) {
        expect(value, `label ${label}`).toMatch(/^[a-zA-Z0-9_./+-]{1,40}$/)
      }
    }
  })

  it('a signing key published by this instance counts as one rotation', async () => {
    expect(sample(await scrape(), 'bp_signing_key_rotations_total', {})).toBe(0)
    clock.advance(ROTATION_SECONDS * 1000)
    await bp.app.services.keys.rotateIfDue()
    expect(sample(await scrape(), 'bp_signing_key_rotations_total', {})).toBe(1)
    // Nothing due any more: checking again publishes nothing.
    await bp.app.services.keys.rotateIfDue()
    expect(sample(await scrape(), 'bp_signing_key_rotations_total', {})).toBe(1)
  })

  it('METRICS_PORT must be a port and must not be the public port', () => {
    expect(() => parseSettings({ METRICS_PORT: 'abc' })).toThrow(/METRICS_PORT: must be a port number/)
    expect(() => parseSettings({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(/METRICS_PORT: must differ from PORT/)
    expect(parseSettings({ METRICS_PORT: '9464' }).metricsPort).toBe(9464)
    expect(parseSettings({}).metricsPort).toBeUndefined()
  })

  it('a METRICS_PORT already taken fails the start with a message naming it, and leaves the public port free', async () => {
    const taken = new URL(bp.app.metricsAddress!).port
    const port = await freePort()
    await expect(startBoardingPass({ METRICS_PORT: taken }, port, { waitUntilReady: false })).rejects.toThrow(
      new RegExp(`^METRICS_PORT ${taken}: .*EADDRINUSE`),
    )
    const again = await startBoardingPass({}, port)
    await again.close()
  })

  it('a store that fails is counted by table and operation: a rate limiter’s, and a table’s', async () => {
    // An access token of a login, minted in-process (auth.complete's limit is used up by now): auth.me has no limiter,
    // so its first store call is the logins table's.
    const user = { id: 'dev:edsger', provider: 'dev', name: 'Edsger' }
    const accessToken = await bp.app.services.accessTokens.sign(user, 'E'.repeat(22))
    await redis.kill()
    // auth.logout is limited (limit `revoke`, shared with /oauth/revoke): its limiter is the first to find Redis gone.
    const answer = await callProcedure(bp.url, 'auth.logout', {
      mutation: { refreshToken: `${'L'.repeat(22)}.${'R'.repeat(43)}` },
    })
    expectRefusal(answer, 'store_unavailable')
    expectRefusal(await callProcedure(bp.url, 'auth.me', { bearer: accessToken }), 'store_unavailable')
    const text = await scrape()
    expect(sample(text, 'bp_store_errors_total', { table: 'rl', op: 'consume' })).toBe(1)
    expect(sample(text, 'bp_store_errors_total', { table: 'login', op: 'get' })).toBe(1)
    expect(sample(text, 'bp_flows_refused_total', { step: 'auth.logout', reason: 'store_unavailable' })).toBe(1)
    expect(sample(text, 'bp_flows_refused_total', { step: 'auth.me', reason: 'store_unavailable' })).toBe(1)
  })
})

/** The value of the sample `name{labels}` (exactly those labels) in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(',')
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const have = (match[2] ?? '')
      .split(/,(?=\w+=")/)
      .filter(Boolean)
      .sort()
      .join(',')
    if (have === wanted) return Number(match[3])
  }
  return undefined
}

import { describe, expect, it } from 'vitest'
import { isRedirectUriAllowed } from './redirect-uri.js'

/**
 * An allow-list with every kind of entry: exact https, port-less loopback
 * (RFC 8252 §7.3: any port), loopback with a fixed port (exact), localhost
 * (no allowance), and a private-use scheme (exact).
 */
const allowList = [
  'https://app.example/callback',
  'http://127.0.0.1/cb',
  'http://[::1]/native/cb',
  'http://127.0.0.1/q?app=1',
  'http://127.0.0.1:8080/fixed',
  'http://localhost/cb',
  'http://localhost:5173/callback',
  'com.example.app:/callback',
]

const allowed = (uri: string) => isRedirectUriAllowed(uri, allowList)

describe('isRedirectUriAllowed: exact match', () => {
  it.each(allowList)('allows the entry %s itself', (uri) => {
    expect(allowed(uri)).toBe(true)
  })

  it.each([
    ['a trailing slash', 'https://app.example/callback/'],
    ['a different case in the path', 'https://app.example/Callback'],
    ['a different case in the host', 'https://APP.example/callback'],
    ['the default port written out', 'https://app.example:443/callback'],
    ['another port', 'https://app.example:8443/callback'],
    ['http instead of https', 'http://app.example/callback'],
    ['an extra query', 'https://app.example/callback?next=/admin'],
    ['an empty query', 'https://app.example/callback?'],
    ['a fragment', 'https://app.example/callback#x'],
    ['a sub-domain', 'https://evil.app.example/callback'],
    ['a look-alike host', 'https://app.example.evil.com/callback'],
    ['userinfo before the host', 'https://app.example@evil.com/callback'],
    ['a percent-encoded path', 'https://app.example/%63allback'],
    ['a path below the entry', 'https://app.example/callback/more'],
    ['dot segments', 'https://app.example/x/../callback'],
    ['a different private-use path', 'com.example.app:/callback2'],
    ['a private-use scheme with an authority', 'com.example.app://callback'],
    ['no URI at all', 'not a uri'],
    ['the empty string', ''],
  ])('refuses %s', (_why, uri) => {
    expect(allowed(uri)).toBe(false)
  })
})

describe('isRedirectUriAllowed: RFC 8252 loopback, any port', () => {
  it.each([
    'http://127.0.0.1:1/cb',
    'http://127.0.0.1:8080/cb',
    'http://127.0.0.1:51234/cb',
    'http://127.0.0.1:65535/cb',
    'http://[::1]:4000/native/cb',
    'http://[::1]:65535/native/cb',
    'http://127.0.0.1:9999/q?app=1',
  ])('allows %s for a port-less loopback entry', (uri) => {
    expect(allowed(uri)).toBe(true)
  })

  it.each([
    ['a trailing slash', 'http://127.0.0.1:5000/cb/'],
    ['another path', 'http://127.0.0.1:5000/other'],
    ['a path below the entry', 'http://127.0.0.1:5000/cb/more'],
    ['a different case in the path', 'http://127.0.0.1:5000/CB'],
    ['an extra query', 'http://127.0.0.1:5000/cb?x=1'],
    ['another query than the entry', 'http://127.0.0.1:5000/q?app=2'],
    ['no query where the entry has one', 'http://127.0.0.1:5000/q'],
    ['a percent-encoded path', 'http://127.0.0.1:5000/%63b'],
    ["the other loopback address's path", 'http://[::1]:5000/cb'],
    ["the other loopback address's path (v4)", 'http://127.0.0.1:5000/native/cb'],
    ['https', 'https://127.0.0.1:5000/cb'],
    ['another loopback address (127.0.0.2)', 'http://127.0.0.2:5000/cb'],
    ['a shortened IPv4 (127.1)', 'http://127.1:5000/cb'],
    ['a decimal IPv4 (2130706433)', 'http://2130706433:5000/cb'],
    ['an IPv4-mapped IPv6 address', 'http://[::ffff:127.0.0.1]:5000/cb'],
    ['a long-form IPv6 loopback', 'http://[0:0:0:0:0:0:0:1]:5000/native/cb'],
    ['an upper-case scheme', 'HTTP://127.0.0.1:5000/cb'],
  ])('refuses %s', (_why, uri) => {
    expect(allowed(uri)).toBe(false)
  })

  it.each([
    ['a fragment (RFC 6749 §3.1.2: a redirection endpoint has none)', 'http://127.0.0.1:5000/cb#frag'],
    ['dot segments that resolve to the path', 'http://127.0.0.1:5000/x/../cb'],
    ['an empty query', 'http://127.0.0.1:5000/cb?'],
    ['a tab the URL parser would strip', 'http://127.0.0.1:5000/c\tb'],
  ])('matches the path and query exactly: refuses %s', (_why, uri) => {
    expect(allowed(uri)).toBe(false)
  })

  it.each([
    ['userinfo that hides another host', 'http://127.0.0.1:80@evil.com/cb'],
    ['userinfo with a loopback look-alike', 'http://127.0.0.1:5000@127.0.0.1:6000/cb'],
    ['a user name', 'http://user@127.0.0.1:5000/cb'],
    ['a user and password', 'http://user:pw@127.0.0.1:5000/cb'],
    ['a backslash before @', 'http://127.0.0.1:5000\\@evil.com/cb'],
    ['an encoded @', 'http://127.0.0.1%40evil.com:5000/cb'],
  ])('refuses userinfo tricks: %s', (_why, uri) => {
    expect(allowed(uri)).toBe(false)
  })

  it('gives an entry with a port no allowance: that exact port only', () => {
    expect(allowed('http://127.0.0.1:8080/fixed')).toBe(true)
    expect(allowed('http://127.0.0.1:8081/fixed')).toBe(false)
    expect(allowed('http://127.0.0.1/fixed')).toBe(false)
  })

  it('gives localhost no allowance (RFC 8252 §8.3)', () => {
    expect(allowed('http://localhost:5000/cb')).toBe(false)
    expect(allowed('http://localhost:5174/callback')).toBe(false)
    expect(allowed('http://localhost/cb')).toBe(true)
  })

  it('gives nothing to a list without a port-less loopback entry', () => {
    expect(isRedirectUriAllowed('http://127.0.0.1:5000/cb', ['http://127.0.0.1:4000/cb'])).toBe(false)
    expect(isRedirectUriAllowed('http://127.0.0.1:5000/cb', ['https://127.0.0.1/cb'])).toBe(false)
    expect(isRedirectUriAllowed('http://127.0.0.1:5000/cb', [])).toBe(false)
  })
})

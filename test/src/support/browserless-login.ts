/**
 * Signs in at an OpenID provider the way a browser would, over real HTTP, for
 * tests that do not need a real browser: follows redirects with a cookie jar,
 * fills the development provider's login form, and stops at the first redirect
 * that leaves for `stopAt` (the app's redirect URI), returning its URL.
 */
export async function browserlessLogin(
  authorizationUrl: string,
  options: { name?: string; deny?: boolean; stopAt: string },
): Promise<URL> {
  const jar = new Map<string, string>()
  let url = authorizationUrl
  let method = 'GET'
  let body: string | undefined
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(options.stopAt)) return new URL(url)
    const response = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair!.indexOf('=')
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim())
    }
    const location = response.headers.get('location')
    if (location) {
      url = new URL(location, url).href
      method = 'GET'
      body = undefined
      continue
    }
    if (response.status === 200 && method === 'GET' && url.includes('/interaction/')) {
      await response.text()
      method = 'POST'
      body = new URLSearchParams(
        options.deny ? { action: 'deny' } : { action: 'login', name: options.name ?? 'Ada Lovelace' },
      ).toString()
      continue
    }
    throw new Error(`login stopped at ${response.status} ${url}: ${(await response.text()).slice(0, 300)}`)
  }
  throw new Error('too many redirects')
}

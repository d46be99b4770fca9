import { browserlessLogin } from '../support/browserless-login.js'

/** A response of the `/link` pages or the callback, as the phone's browser got it. */
export interface Page {
  url: string
  status: number
  html: string
  location: string | null
  setCookies: string[]
  headers: Headers
  /** The confirmation form's hidden one-time token, if the page has one. */
  token: string | undefined
  /** The text of the element with `data-test-id="<id>"`, or undefined when there is none. */
  text(testId: string): string | undefined
}

/**
 * Device B: a phone's browser without JavaScript, over real HTTP. It keeps its
 * own cookie jar (so two phones are two jars), talks to one instance (`origin`,
 * by default PUBLIC_URL itself), and records every response it gets so tests can
 * check what it was, and was not, told.
 */
export class Phone {
  /** Every response, in order: URL, status, headers and body, as text. */
  readonly transcript: string[] = []
  private readonly jar = new Map<string, { value: string; path: string }>()
  private lastToken: string | undefined
  private readonly origin: string
  private readonly extraHeaders: Record<string, string>

  /**
   * `origin`: the instance this phone reaches (default PUBLIC_URL); `headers`:
   * sent with every request to it (an `x-forwarded-for` that a trusted proxy adds, say).
   */
  constructor(
    readonly publicUrl: string,
    options: { origin?: string; headers?: Record<string, string> } = {},
  ) {
    this.origin = options.origin ?? publicUrl
    this.extraHeaders = options.headers ?? {}
  }

  /** The link cookie this browser holds (`bp_link`, or `__Host-bp_link` over https), if any. */
  get linkCookie(): string | undefined {
    return (this.jar.get('bp_link') ?? this.jar.get('__Host-bp_link'))?.value
  }

  /** Scans or follows `verificationUriComplete` (or types `code` into the address): `GET /link?code=…`. */
  open(code: string): Promise<Page> {
    return this.request('GET', `/link?code=${encodeURIComponent(code)}`)
  }

  /** Types `code` into the form: `POST /link`. */
  enter(code: string, headers?: Record<string, string>): Promise<Page> {
    return this.request('POST', '/link', { form: { code }, headers })
  }

  /**
   * Presses Continue or Decline: `POST /link/answer` with the token of the last
   * confirmation page (or `token`), and this browser's cookie unless `cookie` says otherwise.
   */
  answer(
    action: 'continue' | 'decline',
    options: { token?: string; provider?: string; cookie?: string | false; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const form: Record<string, string> = { action, token: options.token ?? this.lastToken ?? '' }
    if (options.provider) form.provider = options.provider
    return this.request('POST', '/link/answer', { form, cookie: options.cookie, headers: options.headers })
  }

  /**
   * Logs in at the provider Continue sent us to (with its own cookies, as a
   * browser would), then loads the callback page at this phone's instance.
   */
  async signInAtProvider(location: string, options: { name?: string; deny?: boolean } = {}): Promise<Page> {
    const callback = await browserlessLogin(location, { ...options, stopAt: `${this.publicUrl}/auth/callback` })
    this.transcript.push(`provider redirected to ${callback.href}`)
    return this.request('GET', `/auth/callback${callback.search}`)
  }

  /** The whole approval: open the code, Continue, log in at the provider; returns the callback page. */
  async approve(code: string, options: { name?: string; deny?: boolean; provider?: string } = {}): Promise<Page> {
    const confirm = await this.open(code)
    if (confirm.status !== 200 || !confirm.token) throw new Error(`no confirmation page: ${confirm.status} ${confirm.html}`)
    const next = await this.answer('continue', { provider: options.provider })
    if (next.status !== 303 || !next.location) throw new Error(`Continue did not redirect: ${next.status} ${next.html}`)
    return this.signInAtProvider(next.location, options)
  }

  /**
   * One request to this phone's instance, with this browser's cookies (or `cookie`: a header to send instead, or none).
   * A POST carries `Origin: PUBLIC_URL`'s origin, as a browser's form post does; `headers` are added last
   * (a test sets another `Origin`, or `Sec-Fetch-Site`, there; an empty value drops the header).
   */
  async request(
    method: 'GET' | 'POST',
    path: string,
    options: { form?: Record<string, string>; cookie?: string | false; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const url = `${this.origin}${path}`
    const headers: Record<string, string> = { ...this.extraHeaders }
    if (method === 'POST') headers.origin = new URL(this.publicUrl).origin
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value === '') delete headers[name.toLowerCase()]
      else headers[name.toLowerCase()] = value
    }
    const cookie = options.cookie === undefined ? this.cookieHeader(path) : options.cookie
    if (cookie) headers.cookie = cookie
    let body: string | undefined
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(options.form).toString()
    }
    const response = await fetch(url, { method, headers, body, redirect: 'manual' })
    const html = await response.text()
    const setCookies = response.headers.getSetCookie()
    for (const line of setCookies) this.keep(line)
    const headerLines: string[] = []
    response.headers.forEach((value, name) => headerLines.push(`${name}: ${value}`))
    this.transcript.push(`${method} ${url} ${body ?? ''}\n${response.status}\n${headerLines.join('\n')}\n\n${html}`)
    const token = /name="token" value="([^"]*)"/.exec(html)?.[1]
    if (token) this.lastToken = token
    return {
      url,
      status: response.status,
      html,
      location: response.headers.get('location'),
      setCookies,
      headers: response.headers,
      token,
      text: (testId) => new RegExp(`data-test-id="${testId}"[^>]*>([^<]*)<`).exec(html)?.[1],
    }
  }

  private keep(setCookie: string): void {
    const [pair, ...attributes] = setCookie.split(';')
    const eq = pair!.indexOf('=')
    const name = pair!.slice(0, eq).trim()
    const value = pair!.slice(eq + 1).trim()
    const path =
      attributes
        .map((a) => a.trim())
        .find((a) => /^path=/i.test(a))
        ?.slice(5) ?? '/'
    const maxAge = attributes.map((a) => a.trim()).find((a) => /^max-age=/i.test(a))
    if (maxAge && Number(maxAge.slice(8)) <= 0) this.jar.delete(name)
    else this.jar.set(name, { value, path })
  }

  private cookieHeader(path: string): string {
    const pathname = path.split('?')[0]!
    return [...this.jar]
      .filter(([, cookie]) => pathname === cookie.path || pathname.startsWith(`${cookie.path.replace(/\/$/, '')}/`))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ')
  }
}

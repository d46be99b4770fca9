import { loginAtProvider, send, type RawResponse } from './http'

/**
 * The phone in a cross-device sign-in, over plain HTTP against the real
 * server's `/link` pages (no JavaScript there, so nothing is lost by not using
 * a browser): it opens the code, then continues to the provider or declines.
 */
export interface OpenedOnPhone {
  /** The confirmation page as the phone got it. */
  page: RawResponse
  /** Continue, sign in at the development provider as `name`, and land on the "signed in" page. */
  approve(name?: string): Promise<RawResponse>
  /** Decline: the flow ends as `denied`. */
  decline(): Promise<RawResponse>
}

/** Opens `verificationUriComplete` on the phone: the flow becomes `opened`. */
export async function openOnPhone(verificationUriComplete: string): Promise<OpenedOnPhone> {
  const page = await send(verificationUriComplete)
  if (page.status !== 200) throw new Error(`the phone got ${page.status}: ${page.body}`)
  const token = /name="token" value="([^"]*)"/.exec(page.body)?.[1]
  const cookie = cookiesOf(page).find((pair) => pair.startsWith('bp_link='))
  if (!token || !cookie) throw new Error('no confirmation form on the phone')
  const origin = new URL(verificationUriComplete).origin

  const answer = (action: 'continue' | 'decline') =>
    send(`${origin}/link/answer`, {
      method: 'POST',
      body: new URLSearchParams({ action, token, provider: 'dev' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    })

  return {
    page,
    async approve(name = 'Ada Lovelace') {
      const next = await answer('continue')
      const location = next.headers.location
      if (next.status !== 303 || typeof location !== 'string') throw new Error(`Continue answered ${next.status}: ${next.body}`)
      const callback = await loginAtProvider(new URL(location, origin).href, { name, stopAt: `${origin}/auth/callback` })
      return send(callback.href)
    },
    decline: () => answer('decline'),
  }
}

/** `name=value` of each Set-Cookie. */
function cookiesOf(response: RawResponse): string[] {
  const lines = response.headers['set-cookie']
  return (Array.isArray(lines) ? lines : []).map((line) => line.split(';')[0]!.trim())
}

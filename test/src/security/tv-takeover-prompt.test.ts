import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TestInstance } from '../support/boarding-pass.js'
import { buildCli, runCli, type CliProcess } from '../cross-device/cli-process.js'
import { Phone } from '../cross-device/phone.js'
import { startDevService } from '../cross-device/service.js'

/**
 * Issue 13 item 8, the TV takeover (RFC 10027 / BCP 247; RFC 8628 §5.4): whoever
 * sees the user code on a screen (a TV, a shared terminal, a screen share) can
 * approve it with their own account, and the device is then signed in as them:
 * the owner works on, unaware, in someone else's account. The mitigation is on
 * the waiting device: it says who signed in and asks "Continue as …?" before it
 * keeps the session; refusing revokes that session (`auth.logout`). Here the
 * waiting device is the `boarding-pass` CLI, run as a child process, in a real
 * pseudo-terminal for the interactive cases.
 */
describe('the CLI asks "Continue as …?" before it keeps a session approved elsewhere', () => {
  let bp: TestInstance
  const running: CliProcess[] = []

  beforeAll(async () => {
    await buildCli()
    bp = await startDevService()
  })
  afterEach(() => {
    for (const child of running.splice(0)) child.kill()
  })
  afterAll(() => bp?.close())

  /** Starts `login --device`, and someone else (Mallory, who saw the code) approves it with her account. */
  async function approvedByMallory(extra: string[], tty: boolean): Promise<{ cli: CliProcess; loginId: string }> {
    // The server logs asynchronously, and earlier tests completed flows too: wait for this one's line.
    const completedBefore = completedLogins().length
    const cli = runCli(
      ['login', '--url', bp.url, '--device', '--provider', 'dev', '--name', 'Sams laptop', ...extra],
      {},
      { tty },
    )
    running.push(cli)
    const [, code] = await cli.waitFor(/Link: \S+\/link\?code=([A-Z]{4}-[A-Z]{4})/)
    await new Phone(bp.url).approve(code!, { name: 'Mallory' })
    // The login the CLI redeemed, from the server's own log.
    const deadline = Date.now() + 10_000
    for (;;) {
      const loginId = completedLogins()[completedBefore]
      if (loginId && cli.stdout().includes('Continue as')) return { cli, loginId }
      if (loginId && !tty && (await Promise.race([cli.exited.then(() => true), sleep(50).then(() => false)]))) {
        return { cli, loginId }
      }
      if (Date.now() > deadline) throw new Error(`no prompt and no completed flow:\n${cli.stdout()}\n${cli.stderr()}`)
      await sleep(50)
    }
  }

  /** The login ids of every flow completed so far, in order, from the server's log. */
  const completedLogins = () =>
    bp.logs
      .map((line) => JSON.parse(line) as { msg?: string; loginId?: string })
      .filter((entry) => entry.msg === 'flow completed' && entry.loginId)
      .map((entry) => entry.loginId!)

  /** The server writes its log asynchronously: the revocation's line may land a moment after the CLI exits. */
  async function expectRevoked(loginId: string): Promise<void> {
    const deadline = Date.now() + 5_000
    while (!revoked(loginId) && Date.now() < deadline) await sleep(25)
    expect(revoked(loginId), 'a "login revoked" line with why: logout').toBe(true)
  }

  const revoked = (loginId: string) =>
    bp.logs.some((line) => {
      const entry = JSON.parse(line) as { msg?: string; loginId?: string; why?: string }
      return entry.msg === 'login revoked' && entry.loginId === loginId && entry.why === 'logout'
    })

  it('on a terminal it names the account and asks; "n" (or Enter) signs that session out, exits 1 and keeps nothing', async () => {
    const { cli, loginId } = await approvedByMallory([], true)
    expect(cli.stdout(), cli.stderr()).toMatch(/signed this device in as Mallory <mallory@example\.test>/)
    expect(cli.stdout()).toMatch(/Continue as mallory@example\.test\? \[y\/N\]/)
    expect(revoked(loginId)).toBe(false)
    cli.write('\n')
    expect(await cli.exited).toBe(1)
    expect(cli.stdout()).toMatch(/Not kept/)
    expect(cli.stdout()).not.toMatch(/Signed in as/)
    await expectRevoked(loginId)
  })

  it('on a terminal, "y" keeps it: exits 0 and says who is signed in', async () => {
    const { cli, loginId } = await approvedByMallory([], true)
    cli.write('y\n')
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(/Signed in as Mallory/)
    expect(revoked(loginId)).toBe(false)
  })

  it('not on a terminal and without --yes: nobody can answer, so it refuses, signs the session out and says to pass --yes', async () => {
    const { cli, loginId } = await approvedByMallory([], false)
    expect(await cli.exited).toBe(1)
    expect(cli.stdout(), cli.stderr()).toMatch(/signed this device in as Mallory <mallory@example\.test>/)
    expect(cli.stderr()).toMatch(/--yes/)
    expect(cli.stdout()).not.toMatch(/Signed in as/)
    await expectRevoked(loginId)
  })

  it('not on a terminal with --yes: keeps it without asking, and still says who signed in', async () => {
    const { cli, loginId } = await approvedByMallory(['--yes'], false)
    expect(await cli.exited).toBe(0)
    expect(cli.stdout(), cli.stderr()).toMatch(/signed this device in as Mallory <mallory@example\.test>/)
    expect(cli.stdout()).not.toMatch(/\[y\/N\]/)
    expect(revoked(loginId)).toBe(false)
  })
})

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

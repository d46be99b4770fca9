import { TRPCError, initTRPC } from '@trpc/server'
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { createAuthenticator } from './authenticate.js'
import { AccessTokenError, IssuerUnavailableError, isBoardingPassError } from './errors.js'
import { requireAccessToken, type BearerContext } from './trpc.js'

const issuer = 'https://login.example.test'
let token: string
let auth: Parameters<typeof requireAccessToken>[0]

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA')
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' }] })
  auth = { issuer, audience: issuer, jwks }
  token = await new SignJWT({ sid: 'login-1', provider: 'acme' })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(issuer)
    .setSubject('acme:ada')
    .setIssuedAt()
    .setExpirationTime('15m')
    .setJti('jti-1')
    .sign(privateKey)
})

/** Another team's tRPC server: its own context type, its own error formatter. */
function appWith<Ctx extends BearerContext>() {
  const t = initTRPC.context<Ctx>().create({
    errorFormatter: ({ shape, error }) => ({
      ...shape,
      data: { ...shape.data, reason: isBoardingPassError(error.cause) ? error.cause.reason : undefined },
    }),
  })
  const protectedProcedure = t.procedure.concat(requireAccessToken(auth))
  const router = t.router({
    whoami: protectedProcedure.query(({ ctx }) => ({ id: ctx.user.id, provider: ctx.user.provider, loginId: ctx.user.loginId })),
    open: t.procedure.query(() => 'anyone'),
  })
  return t.createCallerFactory(router)
}

const ada = { id: 'acme:ada', provider: 'acme', loginId: 'login-1' }

describe('requireAccessToken: reads the Authorization header from the context', () => {
  it('from Fetch Headers (fetch adapter)', async () => {
    const caller = appWith<{ headers: Headers }>()({ headers: new Headers({ authorization: `Bearer ${token}` }) })
    await expect(caller.whoami()).resolves.toEqual(ada)
  })

  it("from Node's IncomingHttpHeaders (node-http / standalone adapter)", async () => {
    const caller = appWith<{ headers: Record<string, string | string[] | undefined> }>()({
      headers: { authorization: `bearer  ${token}` },
    })
    await expect(caller.whoami()).resolves.toEqual(ada)
  })

  it('from ctx.authorization', async () => {
    const caller = appWith<{ authorization?: string }>()({ authorization: `Bearer ${token}` })
    await expect(caller.whoami()).resolves.toEqual(ada)
  })

  it('leaves procedures without it alone', async () => {
    await expect(appWith<{ authorization?: string }>()({}).open()).resolves.toBe('anyone')
  })
})

describe('requireAccessToken: refuses as UNAUTHORIZED with the SDK error as cause', () => {
  async function refusal(ctx: BearerContext): Promise<TRPCError> {
    const error = await appWith<BearerContext>()(ctx)
      .whoami()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TRPCError)
    return error as TRPCError
  }

  it.each([
    ['no header', {}, 'missing'],
    ['an empty header', { authorization: '' }, 'missing'],
    ['another scheme', { authorization: `Basic ${token}` }, 'malformed'],
    ['a token with spaces', { authorization: 'Bearer a b' }, 'malformed'],
    ['a repeated header', { headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } }, 'malformed'],
    ['garbage', { authorization: 'Bearer abc.def.ghi' }, 'malformed'],
  ] as const)('%s', async (_, ctx, code) => {
    const error = await refusal(ctx as BearerContext)
    expect(error.code).toBe('UNAUTHORIZED')
    expect(error.cause).toBeInstanceOf(AccessTokenError)
    expect(error.cause).toMatchObject({ code, reason: 'invalid_token' })
  })
})

describe('createAuthenticator', () => {
  it('checks its options once, at creation', () => {
    expect(() => createAuthenticator({ ...auth, audience: '' })).toThrow(TypeError)
    expect(() => createAuthenticator({ ...auth, revocationCacheTtl: -1 })).toThrow(TypeError)
  })

  it('refuses as issuer_unavailable (503, not 401) when Boarding Pass cannot be asked about revocation', async () => {
    const authenticate = createAuthenticator({ ...auth, url: 'http://127.0.0.1:9', checkRevocation: true })
    const error = await authenticate(`Bearer ${token}`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IssuerUnavailableError)
    expect(error).toMatchObject({ code: 'issuer_unavailable', reason: 'store_unavailable' })
  })
})

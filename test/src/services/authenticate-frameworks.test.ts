import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { createApp, defineEventHandler, toNodeListener } from 'h3'
import { jose } from './support/jose.js'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createAuthenticator, isBoardingPassError, type Authenticate, type AuthenticateInput } from '@boarding-pass/verify'

const issuer = 'https://login.example.test'
let token: string
let authenticate: Authenticate

const { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } = jose

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA')
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' }] })
  authenticate = createAuthenticator({ issuer, audience: issuer, jwks })
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

/** What every route below answers: the caller's id, or the refusal's status and code. */
async function answer(input: AuthenticateInput): Promise<{ status: number; body: unknown }> {
  try {
    const user = await authenticate(input)
    return { status: 200, body: { id: user.id, loginId: user.loginId } }
  } catch (error) {
    if (!isBoardingPassError(error)) throw error
    return { status: error.reason === 'invalid_token' ? 401 : 503, body: { reason: error.reason, code: error.code } }
  }
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

async function listen(server: Server): Promise<string> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Calls `url` with, without and with a bad token, over real HTTP. */
async function expectProtects(url: string) {
  const call = async (authorization?: string) => {
    const response = await fetch(url, { headers: authorization ? { authorization } : {} })
    return { status: response.status, body: (await response.json()) as unknown }
  }
  expect(await call(`Bearer ${token}`)).toEqual({ status: 200, body: { id: 'acme:ada', loginId: 'login-1' } })
  expect(await call()).toEqual({ status: 401, body: { reason: 'invalid_token', code: 'missing' } })
  expect(await call(`Bearer ${token}x`)).toEqual({ status: 401, body: { reason: 'invalid_token', code: 'bad_signature' } })
  expect(await call(`Basic ${token}`)).toEqual({ status: 401, body: { reason: 'invalid_token', code: 'malformed' } })
}

describe('authenticate(request) with each request shape it claims', () => {
  it('node:http: the IncomingMessage', async () => {
    const server = createServer((req: IncomingMessage, res) => {
      void answer(req).then(({ status, body }) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      )
    })
    await expectProtects(await listen(server))
  })

  it('Express 5: req', async () => {
    const app = express()
    app.get('/', async (req, res) => {
      const { status, body } = await answer(req)
      res.status(status).json(body)
    })
    await expectProtects(await listen(createServer(app)))
  })

  it('Fastify 5: request (and request.raw)', async () => {
    const app = Fastify()
    app.get('/', async (request, reply) => {
      const { status, body } = await answer(request)
      expect(await answer(request.raw)).toEqual({ status, body })
      return reply.code(status).send(body)
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      await expectProtects(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`)
    } finally {
      await app.close()
    }
  })

  it('h3 1: event.node.req', async () => {
    const app = createApp()
    app.use(
      '/',
      defineEventHandler(async (event) => {
        const { status, body } = await answer(event.node.req)
        event.node.res.statusCode = status
        return body
      }),
    )
    await expectProtects(await listen(createServer(toNodeListener(app))))
  })

  it('the Fetch API: a Request, its Headers, or the header value', async () => {
    const request = new Request('https://notes.example.test/', { headers: { authorization: `Bearer ${token}` } })
    const ok = { status: 200, body: { id: 'acme:ada', loginId: 'login-1' } }
    expect(await answer(request)).toEqual(ok)
    expect(await answer(request.headers)).toEqual(ok)
    expect(await answer(request.headers.get('authorization'))).toEqual(ok)
    expect(await answer(new Request('https://notes.example.test/'))).toMatchObject({ status: 401, body: { code: 'missing' } })
  })

  it("Node's header object: a repeated header is not one token, an empty one is none", async () => {
    expect(await answer({ authorization: [`Bearer ${token}`, `Bearer ${token}`] })).toMatchObject({ body: { code: 'malformed' } })
    expect(await answer({ authorization: [`Bearer ${token}`] })).toMatchObject({ status: 200 })
    expect(await answer({ authorization: '  ' })).toMatchObject({ body: { code: 'missing' } })
    expect(await answer({})).toMatchObject({ body: { code: 'missing' } })
    expect(await answer(undefined)).toMatchObject({ body: { code: 'missing' } })
  })
})

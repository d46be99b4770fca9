// The baseline a team would run instead: oidc-provider's token endpoint redeeming
// authorization_code + PKCE (S256) with client_secret_post, EdDSA-signed tokens.
// Codes are minted through oidc-provider's own models (Grant, AuthorizationCode).
// Env: PORT, REDIRECT_URIS (more redirect URIs for its client: Boarding Pass's callbacks).
//
// Two shapes of code exchange, as in shared/ANCHORS.md:
//   full:   JWT access token (EdDSA, for a resource server) + ID token + refresh token:
//           the same work as auth.complete (signed access token + refresh token).
//   openid: scope=openid only: opaque access token + ID token, no refresh token.
// And the counterparts of auth.refresh and auth.me: the refresh_token grant (rotating, as
// Boarding Pass always rotates) and the userinfo endpoint with an opaque access token.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import Provider from 'oidc-provider'
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js'
import LRU from 'oidc-provider/lib/helpers/lru.js'
import { serveRequests } from '../lib/processes.mjs'

const port = Number(process.env.PORT)
const issuer = `http://127.0.0.1:${port}`
const RESOURCE = 'https://api.bench.test'
const client = {
  client_id: 'bench-client',
  client_secret: 'bench-secret-bench-secret-bench-secret',
  // Also Boarding Pass's callbacks: the bench signs Boarding Pass in against this provider.
  redirect_uris: ['http://127.0.0.1/cb', ...(process.env.REDIRECT_URIS ?? '').split(',').filter(Boolean)],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
  id_token_signed_response_alg: 'EdDSA',
}
const signingKey = {
  ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
  kid: 'bench-ed25519',
  use: 'sig',
  alg: 'EdDSA',
}

/**
 * oidc-provider's own in-memory adapter, with room for a load: its quick-start
 * default keeps 1,000 entries, so minted codes would be evicted before use.
 */
const storage = new LRU({ maxSize: 5_000_000 })
class BenchAdapter extends MemoryAdapter {
  constructor(model) {
    super(model, storage)
  }
}

const provider = new Provider(issuer, {
  adapter: BenchAdapter,
  clients: [client],
  jwks: { keys: [signingKey] },
  enabledJWA: { idTokenSigningAlgValues: ['EdDSA'] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access', 'api:read'],
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api:read',
        audience: RESOURCE,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 900,
        jwt: { sign: { alg: 'EdDSA' } },
      }),
    },
  },
  rotateRefreshToken: () => true,
  findAccount: (_ctx, accountId) => ({
    accountId,
    claims: () => ({ sub: accountId, name: `Bench ${accountId}`, email: `${accountId}@example.test` }),
  }),
  ttl: { AuthorizationCode: 60, AccessToken: 900, IdToken: 900, RefreshToken: 30 * 86_400, Grant: 30 * 86_400 },
})
provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error:', error))

const server = createServer(provider.callback())
server.keepAliveTimeout = 5_000
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))

let nextAccount = 1
const registered = await provider.Client.find(client.client_id)

/** One code as oidc-provider's authorization endpoint would have saved it after login and consent. */
async function mintCode(shape) {
  const full = shape === 'full'
  const { accountId, grantId } = await mintGrant(full)
  const verifier = randomBytes(32).toString('base64url')
  const code = await new provider.AuthorizationCode({
    client: registered,
    accountId,
    grantId,
    authTime: Math.floor(Date.now() / 1000),
    scope: full ? 'openid offline_access api:read' : 'openid',
    resource: full ? RESOURCE : undefined,
    redirectUri: client.redirect_uris[0],
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
  }).save()
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirect_uris[0],
    code_verifier: verifier,
    client_id: client.client_id,
    client_secret: client.client_secret,
  }).toString()
}

/** A live grant for a new account, as consent would have left it. */
async function mintGrant(full) {
  const accountId = `bench-${nextAccount++}`
  const grant = new provider.Grant({ accountId, clientId: client.client_id })
  grant.addOIDCScope(full ? 'openid offline_access' : 'openid')
  if (full) grant.addResourceScope(RESOURCE, 'api:read')
  return { accountId, grantId: await grant.save() }
}

/** A refresh token as the full code exchange issues it. */
async function mintRefreshToken() {
  const { accountId, grantId } = await mintGrant(true)
  const refreshToken = await new provider.RefreshToken({
    client: registered,
    accountId,
    grantId,
    gty: 'authorization_code',
    authTime: Math.floor(Date.now() / 1000),
    scope: 'openid offline_access api:read',
    resource: RESOURCE,
    rotations: 0,
  }).save()
  return new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.client_id,
    client_secret: client.client_secret,
  }).toString()
}

serveRequests(
  {
    /** `n` distinct token-request bodies (application/x-www-form-urlencoded). */
    async mintCodes({ n, shape }) {
      const bodies = []
      for (let i = 0; i < n; i++) bodies.push(await mintCode(shape))
      return { bodies }
    },
    /** `n` distinct refresh_token grant bodies. */
    async mintRefreshTokens({ n }) {
      const bodies = []
      for (let i = 0; i < n; i++) bodies.push(await mintRefreshToken())
      return { bodies }
    },
    /** One opaque access token (scope openid) for the userinfo endpoint. */
    async mintAccessToken() {
      const { accountId, grantId } = await mintGrant(false)
      const accessToken = await new provider.AccessToken({
        client: registered,
        accountId,
        grantId,
        gty: 'authorization_code',
        scope: 'openid',
      }).save()
      return { accessToken }
    },
  },
  {
    url: issuer,
    tokenPath: '/token',
    userinfoPath: '/me',
    pid: process.pid,
    clientId: client.client_id,
    clientSecret: client.client_secret,
  },
)

process.on('SIGTERM', () => server.close(() => process.exit(0)) && server.closeAllConnections())

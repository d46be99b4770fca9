import { startOrdersService } from './service.js'

/**
 * `BOARDING_PASS_URL=http://localhost:3000 PORT=4100 node dist/main.js`
 *
 * BOARDING_PASS_URL: Boarding Pass's PUBLIC_URL (the tokens' issuer);
 * BOARDING_PASS_AUDIENCE: its AUTH_AUDIENCE when set there;
 * ORDERS_CHECK_REVOCATION=off: signature and claims only, no introspection;
 * ORDERS_CORS_ORIGINS: comma-separated origins of browser apps that call it (https://app.example.com).
 */
const issuer = process.env.BOARDING_PASS_URL
if (!issuer) {
  console.error('BOARDING_PASS_URL is required: the PUBLIC_URL of Boarding Pass, e.g. http://localhost:3000')
  process.exit(1)
}
const service = await startOrdersService({
  issuer,
  audience: process.env.BOARDING_PASS_AUDIENCE ?? issuer,
  checkRevocation: process.env.ORDERS_CHECK_REVOCATION !== 'off',
  port: Number(process.env.PORT ?? 4100),
  corsOrigins: (process.env.ORDERS_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean),
})
console.warn(`orders service listening at ${service.url}/trpc`)

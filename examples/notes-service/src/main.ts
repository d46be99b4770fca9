import { startNotesService } from './server.js'

/**
 * `BOARDING_PASS_URL=http://localhost:3000 pnpm --filter @boarding-pass/notes-service dev`
 *
 * BOARDING_PASS_URL is Boarding Pass's PUBLIC_URL (the tokens' issuer);
 * BOARDING_PASS_AUDIENCE its AUTH_AUDIENCE, when set there.
 */
const issuer = process.env.BOARDING_PASS_URL
if (!issuer) {
  console.error('BOARDING_PASS_URL is required: the PUBLIC_URL of Boarding Pass, e.g. http://localhost:3000')
  process.exit(1)
}
const service = await startNotesService({
  issuer,
  audience: process.env.BOARDING_PASS_AUDIENCE ?? issuer,
  checkRevocation: process.env.NOTES_CHECK_REVOCATION !== 'off',
  port: Number(process.env.PORT ?? 4000),
})
console.warn(`notes service listening at ${service.url}/trpc`)

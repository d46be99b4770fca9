import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type * as Jose from '../../../server/node_modules/jose/dist/types/index.js'

/**
 * panva's `jose`, the copy the server depends on (the test package has no
 * dependency of its own on it): what a relying party would use to check a
 * Boarding Pass access token against the published JWKS.
 */
const fromServer = createRequire(new URL('../../../server/package.json', import.meta.url))
export const jose = (await import(pathToFileURL(fromServer.resolve('jose')).href)) as typeof Jose

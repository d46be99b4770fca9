import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type * as Jose from '../../../../server/node_modules/jose/dist/types/index.js'

/** The `jose` the server package depends on (the test package has none of its own): to forge and inspect tokens. */
const fromServer = createRequire(new URL('../../../../server/package.json', import.meta.url))
export const jose = (await import(pathToFileURL(fromServer.resolve('jose')).href)) as typeof Jose

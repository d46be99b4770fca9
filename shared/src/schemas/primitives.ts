import { z } from 'zod'
import { BASE64URL } from '../base64url.js'
import { CLIENT_CODE_PATTERN } from '../client-code.js'

/** A provider id as configured in `AUTH_PROVIDERS` (`google`, `github`, `acme`, …). */
export const providerIdSchema = z.string().min(1).max(64)

/** A Client Code (RFC 7636 code_verifier format). */
export const clientCodeSchema = z.string().regex(CLIENT_CODE_PATTERN, 'a Client Code is 43-128 characters of A-Z a-z 0-9 - . _ ~')

/**
 * The hash method's name as sent. Deliberately any short string here: a method the
 * server does not allow is refused as `unsupported_hash_method`, not as a schema error.
 */
export const hashMethodNameSchema = z.string().min(1).max(32)

/** A digest in base64url without padding; its exact length is checked against the method. */
export const clientCodeHashSchema = z.string().min(43).max(86).regex(BASE64URL, 'base64url without padding')

/** An opaque, server-made secret (Server Code, refresh token): only its size is bounded. */
export const opaqueSecretSchema = z.string().min(1).max(512)

/** An absolute URI to send the browser back to; the allow-list decides if it is allowed. */
export const redirectUriSchema = z.string().min(1).max(2048)

/** A flow's id. */
export const flowIdSchema = z.string().min(1).max(128)

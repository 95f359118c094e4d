/**
 * Reading the bearer credential from an `Authorization` header (RFC 6750 §2.1).
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, b64token = 1*( ALPHA / DIGIT / "-" / "." /
// "_" / "~" / "+" / "/" ) *"=". The scheme is case-insensitive (RFC 7235 §2.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i
const SCHEME = /^([^\s]+)/

/**
 * Returns the token of a `Bearer` credential, as Node exposes `req.headers.authorization`.
 *
 * - No header, an empty one, or another scheme (`Basic …`): `ERR_TOKEN_MISSING` (401 with a bare
 *   challenge, RFC 6750 §3.1 — the client did not attempt bearer authentication).
 * - `Bearer` with no token, extra parts, or several `Authorization` headers: `ERR_INVALID_REQUEST`
 *   (400, `error="invalid_request"`).
 *
 * @param value - the header value; an array when a framework kept duplicate headers apart.
 * @returns the compact token, not yet verified.
 * @example
 * ```ts
 * const token = extractBearerToken(req.headers.authorization)
 * const result = await verifier.verify(token)
 * ```
 */
export function extractBearerToken(value: string | readonly string[] | undefined): string {
  if (Array.isArray(value)) {
    if (value.length > 1) {
      throw new GitlabIdTokenError('ERR_INVALID_REQUEST', 'several Authorization headers')
    }
    return extractBearerToken(value[0] as string | undefined)
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new GitlabIdTokenError('ERR_TOKEN_MISSING', 'no Authorization header')
  }
  const match = BEARER.exec(value)
  if (match !== null) return match[1] as string
  const scheme = SCHEME.exec(value)?.[1]
  if (scheme?.toLowerCase() !== 'bearer') {
    throw new GitlabIdTokenError(
      'ERR_TOKEN_MISSING',
      'Authorization header is not a Bearer credential',
    )
  }
  throw new GitlabIdTokenError('ERR_INVALID_REQUEST', 'malformed Bearer credential')
}

/**
 * The adapters' hot path: `Bearer <one word>` by `slice` alone, every other shape through
 * {@link extractBearerToken}. The word's characters are not checked here: a compact JWS is
 * base64url and dots, which the verifier's decoder checks anyway, so the b64token grammar only
 * has to run when decoding fails, to tell a malformed header (400) from a malformed token (401).
 * See {@link isBearerCredential}.
 *
 * @param value - the header value, or every value when there are several.
 * @returns a candidate token; throws what {@link extractBearerToken} throws for other shapes.
 * @example
 * ```ts
 * const token = bearerCandidate(req.headers.authorization)
 * ```
 */
export function bearerCandidate(value: string | readonly string[] | undefined): string {
  if (
    typeof value === 'string' &&
    value.length > 7 &&
    value.charCodeAt(6) === 0x20 &&
    value.indexOf(' ', 7) === -1 &&
    (value.startsWith('Bearer') || value.slice(0, 6).toLowerCase() === 'bearer')
  ) {
    return value.slice(7)
  }
  return extractBearerToken(value)
}

/**
 * Whether `value` is a well-formed `Bearer` credential by the RFC 6750 §2.1 grammar.
 *
 * @example
 * ```ts
 * isBearerCredential('Bearer a"b') // false: a 400, not a malformed token
 * ```
 */
export function isBearerCredential(value: string): boolean {
  return BEARER.test(value)
}

/**
 * Splitting and decoding a compact JWS (RFC 7515 §7.1) without trusting any of it yet.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'

/** A compact JWS, decoded but not verified. */
export interface DecodedToken {
  readonly header: Readonly<Record<string, unknown>>
  readonly payload: Record<string, unknown>
  /** `base64url(header) "." base64url(payload)`, the bytes the signature covers (RFC 7515 §5.2). */
  readonly signingInput: string
  readonly signature: Buffer
}

function malformed(message: string, cause?: unknown): GitlabIdTokenError {
  return new GitlabIdTokenError(
    'ERR_TOKEN_MALFORMED',
    message,
    cause === undefined ? {} : { cause },
  )
}

// Strict, canonical base64url (RFC 7515 §2: RFC 4648 §5 without padding). Node's decoder silently
// accepts padding, the standard alphabet and whitespace, and ignores the unused bits of the last
// character; re-encoding and comparing refuses all of them in one pass, and is faster than a
// character-class regex. Without it, one signature would have several spellings that all verify.
function decodeSegment(segment: string, what: string): Buffer {
  const bytes = Buffer.from(segment, 'base64url')
  if (bytes.toString('base64url') !== segment) throw malformed(`${what} is not canonical base64url`)
  return bytes
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  if (segment.length === 0) throw malformed(`${what} is empty`)
  let value: unknown
  try {
    value = JSON.parse(decodeSegment(segment, what).toString('utf8'))
  } catch (cause) {
    if (cause instanceof GitlabIdTokenError) throw cause
    throw malformed(`${what} is not JSON`, cause)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} is not a JSON object`)
  }
  return value as Record<string, unknown>
}

/**
 * Decodes a compact JWS. The length cap is checked before any parsing so an oversized credential
 * costs nothing but a comparison. JWE (five parts), JSON serialisation and nested JWTs all fail
 * here with `ERR_TOKEN_MALFORMED`.
 */
export function decodeToken(token: unknown, maxLength: number): DecodedToken {
  if (typeof token !== 'string') throw malformed('token is not a string')
  if (token.length > maxLength) throw malformed(`token longer than ${maxLength} bytes`)
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw malformed('token is not three dot-separated parts')
  }
  const header = decodeJsonObject(token.slice(0, first), 'header')
  const payload = decodeJsonObject(token.slice(first + 1, second), 'payload')
  const signature = decodeSegment(token.slice(second + 1), 'signature')
  return { header, payload, signingInput: token.slice(0, second), signature }
}

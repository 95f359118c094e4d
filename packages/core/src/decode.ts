/**
 * Splitting and decoding a compact JWS (RFC 7515 §7.1) without trusting any of it yet.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'

/** A compact JWS, decoded but not verified. */
export interface DecodedToken {
  /** Frozen, and shared between tokens with the same header segment. */
  readonly header: Readonly<Record<string, unknown>>
  readonly payload: Record<string, unknown>
  /** `base64url(header) "." base64url(payload)`, the bytes the signature covers (RFC 7515 §5.2). */
  readonly signingInput: string
  readonly signature: Buffer
}

type Part = 'token' | 'header' | 'payload' | 'signature'

function malformed(message: string, part: Part, cause?: unknown): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_TOKEN_MALFORMED', message, {
    details: { part, reason: message },
    ...(cause === undefined ? {} : { cause }),
  })
}

// Strict, canonical base64url (RFC 7515 §2: RFC 4648 §5 without padding). Node's decoder silently
// accepts padding, the standard alphabet and whitespace, and ignores the unused bits of the last
// character; re-encoding and comparing refuses all of them in one pass, and is faster than a
// character-class regex. Without it, one signature would have several spellings that all verify.
function decodeSegment(segment: string, what: Part): Buffer {
  const bytes = Buffer.from(segment, 'base64url')
  if (bytes.toString('base64url') !== segment)
    throw malformed(`${what} is not canonical base64url`, what)
  return bytes
}

// GitLab signs every token of an instance with one of a handful of headers (`{"kid","typ","alg"}`
// per key), so parsing each again is pure cost. Bounded and first-in-first-out, so a flood of
// distinct headers costs its own parsing and evicts nothing but a re-parse.
const HEADER_CACHE_MAX = 32
const HEADER_CACHE_SEGMENT_MAX = 512
const headers = new Map<string, Readonly<Record<string, unknown>>>()

function decodeHeader(segment: string): Readonly<Record<string, unknown>> {
  const hit = headers.get(segment)
  if (hit !== undefined) return hit
  const header = Object.freeze(decodeJsonObject(segment, 'header'))
  if (segment.length <= HEADER_CACHE_SEGMENT_MAX) {
    if (headers.size >= HEADER_CACHE_MAX) headers.delete(headers.keys().next().value as string)
    // A copy, not the slice: a slice would keep the whole token alive in the cache.
    headers.set(Buffer.from(segment, 'latin1').toString('latin1'), header)
  }
  return header
}

// One buffer for every signature check: `crypto.verify` reads it synchronously, and its threadpool
// form copies it before returning, so no check can see another's bytes.
let scratch = Buffer.allocUnsafe(4096)

/**
 * The signing input of `decoded` as bytes, in a buffer reused by the next call: use it before
 * anything else calls this (both forms of `crypto.verify` are safe).
 *
 * @example
 * ```ts
 * cryptoVerify('sha256', signingInputBytes(decoded), key, decoded.signature)
 * ```
 */
export function signingInputBytes(decoded: DecodedToken): Buffer {
  const input = decoded.signingInput
  if (input.length > scratch.length) scratch = Buffer.allocUnsafe(input.length)
  return scratch.subarray(0, scratch.write(input, 0, 'latin1'))
}

function decodeJsonObject(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  if (segment.length === 0) throw malformed(`${what} is empty`, what)
  let value: unknown
  try {
    value = JSON.parse(decodeSegment(segment, what).toString('utf8'))
  } catch (cause) {
    if (cause instanceof GitlabIdTokenError) throw cause
    throw malformed(`${what} is not JSON`, what, cause)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} is not a JSON object`, what)
  }
  return value as Record<string, unknown>
}

/**
 * Decodes a compact JWS. The length cap is checked before any parsing so an oversized credential
 * costs nothing but a comparison. JWE (five parts), JSON serialisation and nested JWTs all fail
 * here with `ERR_TOKEN_MALFORMED`, whose `details.part` names the failing part.
 *
 * @example
 * ```ts
 * const { header, payload } = decodeToken(token, 32_768) // nothing here is verified yet
 * ```
 */
export function decodeToken(token: unknown, maxLength: number): DecodedToken {
  if (typeof token !== 'string') throw malformed('token is not a string', 'token')
  if (token.length > maxLength) throw malformed(`token longer than ${maxLength} bytes`, 'token')
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw malformed('token is not three dot-separated parts', 'token')
  }
  const header = decodeHeader(token.slice(0, first))
  const payload = decodeJsonObject(token.slice(first + 1, second), 'payload')
  const signature = decodeSegment(token.slice(second + 1), 'signature')
  return { header, payload, signingInput: token.slice(0, second), signature }
}

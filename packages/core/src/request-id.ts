/**
 * Correlation IDs for `verify()` calls: short, opaque, and safe to echo in a response body.
 *
 * @module
 */

import { randomFillSync } from 'node:crypto'

// 9 random bytes → 12 base64url characters (72 bits): unique across any realistic log, short
// enough for a job log line. Drawn from a pooled buffer so an ID costs no syscall.
const ID_BYTES = 9
const pool = Buffer.allocUnsafe(ID_BYTES * 256)
let offset = pool.length

// A framework's ID is echoed in the body, so only printable ASCII, bounded, is taken as given.
const SAFE_ID = /^[\x21-\x7e]{1,128}$/

/**
 * A new random request ID, e.g. `'mZ3q0V_k1aYc'`.
 *
 * @example
 * ```ts
 * const requestId = randomRequestId()
 * ```
 */
export function randomRequestId(): string {
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES)
  offset += ID_BYTES
  return id
}

/**
 * The caller's request ID when it is 1–128 printable ASCII characters, otherwise a random one (a
 * framework ID with a newline or a megabyte of text is not echoed to clients).
 *
 * @example
 * ```ts
 * requestIdFrom(req.id) // Fastify's 'req-1', or a random ID
 * ```
 */
export function requestIdFrom(given: unknown): string {
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomRequestId()
}

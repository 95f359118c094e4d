/**
 * The integrity envelope of a shared key-set entry: an HMAC-SHA256 under the fleet secret.
 *
 * @module
 */

import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { GitlabIdTokenError } from '@gitlab-id-token/core'
import type { JsonWebKeySet, SharedKeySetEntry } from '@gitlab-id-token/core'

/**
 * Shortest fleet secret accepted, in bytes: HMAC-SHA256's own output size (RFC 2104 §3 advises
 * keys no shorter than the hash output).
 *
 * @example
 * ```ts
 * // openssl rand -base64 48 > fleet-secret
 * ```
 */
export const MIN_SECRET_BYTES = 32

/**
 * A fleet secret, or several while rotating it: the first seals, any of them opens.
 *
 * @example
 * ```ts
 * const secret: FleetSecret = [process.env.FLEET_SECRET_NEW!, process.env.FLEET_SECRET_OLD!]
 * ```
 */
export type FleetSecret = string | Uint8Array | readonly (string | Uint8Array)[]

/**
 * Why a stored entry was refused: not the envelope this package writes, a MAC that does not hold
 * under any fleet secret (tampered, another issuer's, another fleet's), or over `maxEntryBytes`.
 *
 * @example
 * ```ts
 * onEvent: (e) => e.type === 'refused' && metrics.increment('jwks_shared_refused', { reason: e.reason })
 * ```
 */
export type RefusalReason = 'malformed' | 'bad-mac' | 'too-large'

/** @internal */
export function importSecrets(secret: FleetSecret): readonly KeyObject[] {
  const list = typeof secret === 'string' || secret instanceof Uint8Array ? [secret] : secret
  if (!Array.isArray(list) || list.length === 0) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', '"secret" is required')
  }
  return list.map((value: unknown) => {
    const bytes =
      typeof value === 'string'
        ? Buffer.from(value, 'utf8')
        : value instanceof Uint8Array
          ? Buffer.from(value)
          : undefined
    if (bytes === undefined || bytes.length < MIN_SECRET_BYTES) {
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        `"secret" must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`,
      )
    }
    return createSecretKey(bytes)
  })
}

// The MAC covers the issuer too (it is not stored): an entry copied to another issuer's key fails.
// A JSON array is an unambiguous encoding of the fields, unlike any separator-joined string.
function mac(
  secret: KeyObject,
  issuer: string,
  fetchedAt: number,
  jwksUri: string | null,
  body: string,
): Buffer {
  const input = JSON.stringify(['gitlab-id-token/jwks/v1', issuer, fetchedAt, jwksUri, body])
  return createHmac('sha256', secret).update(input, 'utf8').digest()
}

/** The stored value of `entry`, sealed with the first secret. @internal */
export function sealEntry(
  secrets: readonly KeyObject[],
  issuer: string,
  entry: SharedKeySetEntry,
): string {
  const body = JSON.stringify(entry.jwks)
  const jwksUri = entry.jwksUri ?? null
  const tag = mac(secrets[0]!, issuer, entry.fetchedAt, jwksUri, body).toString('base64url')
  return JSON.stringify({ v: 1, fetchedAt: entry.fetchedAt, jwksUri, body, mac: tag })
}

/** The entry in a stored value, or why it was refused. Nothing is parsed before the MAC holds. @internal */
export function openEntry(
  secrets: readonly KeyObject[],
  issuer: string,
  raw: string,
  maxBytes: number,
): { readonly entry: SharedKeySetEntry } | { readonly refused: RefusalReason } {
  if (Buffer.byteLength(raw, 'utf8') > maxBytes) return { refused: 'too-large' }
  let envelope: unknown
  try {
    envelope = JSON.parse(raw)
  } catch {
    return { refused: 'malformed' }
  }
  if (typeof envelope !== 'object' || envelope === null) return { refused: 'malformed' }
  const { v, fetchedAt, jwksUri, body, mac: tag } = envelope as Record<string, unknown>
  if (
    v !== 1 ||
    typeof fetchedAt !== 'number' ||
    !Number.isFinite(fetchedAt) ||
    (jwksUri !== null && typeof jwksUri !== 'string') ||
    typeof body !== 'string' ||
    typeof tag !== 'string'
  ) {
    return { refused: 'malformed' }
  }
  const received = Buffer.from(tag, 'base64url')
  const genuine = secrets.some((secret) => {
    const expected = mac(secret, issuer, fetchedAt, jwksUri, body)
    return received.length === expected.length && timingSafeEqual(received, expected)
  })
  if (!genuine) return { refused: 'bad-mac' }
  let jwks: unknown
  try {
    jwks = JSON.parse(body)
  } catch {
    return { refused: 'malformed' }
  }
  if (
    typeof jwks !== 'object' ||
    jwks === null ||
    !Array.isArray((jwks as { keys?: unknown }).keys)
  ) {
    return { refused: 'malformed' }
  }
  return {
    entry: {
      jwks: jwks as JsonWebKeySet,
      fetchedAt,
      ...(jwksUri === null ? {} : { jwksUri }),
    },
  }
}

/**
 * The hand-written ceiling: one `KeyObject` per `kid`, built when the key set is loaded, and a
 * synchronous `crypto.verify` per token, with the claim checks written plainly. Both the
 * in-process "raw split+decode+claims" row and the `*-rawcrypto` HTTP servers use it, so the two
 * measure the same code.
 */

import { createPublicKey, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { PublicJwk } from './tokens.js'

export interface RawConfig {
  readonly issuer: string
  readonly audience: string
  readonly projectId: string
  readonly keys: ReadonlyMap<string, KeyObject>
  /** Seconds. */
  readonly clockTolerance?: number
}

export type RawOutcome =
  | { readonly ok: true; readonly claims: Record<string, unknown> }
  | {
      readonly ok: false
      readonly status: 400 | 401 | 403
      /** RFC 6750 §3.1 error code; absent for "no credentials" (bare challenge). */
      readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope'
    }

const MISSING: RawOutcome = { ok: false, status: 401 }
const BAD_REQUEST: RawOutcome = { ok: false, status: 400, error: 'invalid_request' }
const INVALID: RawOutcome = { ok: false, status: 401, error: 'invalid_token' }
const FORBIDDEN: RawOutcome = { ok: false, status: 403, error: 'insufficient_scope' }

export function keysFromJwks(jwks: {
  readonly keys: readonly PublicJwk[]
}): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>()
  for (const jwk of jwks.keys) {
    if (jwk.kty === 'RSA' && typeof jwk.kid === 'string') {
      keys.set(
        jwk.kid,
        createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' }),
      )
    }
  }
  return keys
}

export async function fetchKeys(jwksUri: string): Promise<Map<string, KeyObject>> {
  const res = await fetch(jwksUri)
  if (res.status !== 200) throw new Error(`key set: HTTP ${res.status}`)
  return keysFromJwks((await res.json()) as { keys: PublicJwk[] })
}

function decode(part: string | undefined): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString())
  if (typeof value !== 'object' || value === null) throw new TypeError('not an object')
  return value as Record<string, unknown>
}

/** Verifies a compact JWS and the claims this service needs; never throws. */
export function verifyToken(token: string, cfg: RawConfig): RawOutcome {
  const parts = token.split('.')
  if (parts.length !== 3) return INVALID
  let header: Record<string, unknown>
  let claims: Record<string, unknown>
  try {
    header = decode(parts[0])
    claims = decode(parts[1])
  } catch {
    return INVALID
  }
  if (header.alg !== 'RS256' || typeof header.kid !== 'string') return INVALID
  const key = cfg.keys.get(header.kid)
  if (key === undefined) return INVALID
  const signingInput = token.slice(0, token.length - (parts[2]?.length ?? 0) - 1)
  if (!verify('sha256', Buffer.from(signingInput), key, Buffer.from(parts[2] ?? '', 'base64url'))) {
    return INVALID
  }
  const now = Date.now() / 1000
  const tolerance = cfg.clockTolerance ?? 30
  const aud = claims.aud
  if (claims.iss !== cfg.issuer) return INVALID
  if (!(aud === cfg.audience || (Array.isArray(aud) && aud.includes(cfg.audience)))) return INVALID
  if (typeof claims.exp !== 'number' || claims.exp <= now - tolerance) return INVALID
  if (typeof claims.nbf !== 'number' || claims.nbf > now + tolerance) return INVALID
  if (typeof claims.iat !== 'number' || claims.iat > now + tolerance) return INVALID
  if (typeof claims.sub !== 'string' || !claims.sub.startsWith('project_path:')) return INVALID
  if (claims.project_id !== cfg.projectId) return FORBIDDEN
  return { ok: true, claims }
}

/** Reads `Authorization: Bearer <token>` (RFC 6750 §2.1) and verifies the token. */
export function verifyAuthorization(value: string | undefined, cfg: RawConfig): RawOutcome {
  if (value === undefined) return MISSING
  const space = value.indexOf(' ')
  const scheme = space < 0 ? value : value.slice(0, space)
  if (scheme.toLowerCase() !== 'bearer') return MISSING
  const token = value.slice(space + 1)
  if (space < 0 || token.length === 0 || token.includes(' ')) return BAD_REQUEST
  return verifyToken(token, cfg)
}

/** The `WWW-Authenticate` value for a failed outcome. */
export function challengeFor(outcome: RawOutcome): string {
  return outcome.ok || outcome.error === undefined
    ? 'Bearer realm="api"'
    : `Bearer realm="api", error="${outcome.error}"`
}

/**
 * `inspectToken`: a token's header and claims decoded without any verification, with what a
 * GitLab-aware reader would notice first.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import type { TokenIdentity } from './error-details.js'
import { decodeToken } from './decode.js'
import { inspectWarnings, type InspectWarning } from './inspect-warnings.js'

export type { InspectWarning, InspectWarningCode } from './inspect-warnings.js'

/**
 * Claims nobody has checked: every value is `unknown` until a verifier says otherwise.
 *
 * @example
 * ```ts
 * const { claims } = inspectToken(token)
 * if (typeof claims.project_path === 'string') show(claims.project_path) // never authorise on it
 * ```
 */
export type UnverifiedClaims = Readonly<Record<string, unknown>>

/**
 * What {@link inspectToken} returns. `verified` is the literal `false`, so code that needs a
 * verified result cannot take this one by mistake.
 *
 * @example
 * ```ts
 * const { verified, kind, times, warnings } = inspectToken(token) // verified: false
 * ```
 */
export interface InspectedToken {
  readonly verified: false
  readonly header: Readonly<Record<string, unknown>>
  readonly claims: UnverifiedClaims
  /** `sha256:` and the first 16 hex digits of the token's SHA-256: safe to log, unlike the token. */
  readonly fingerprint: string
  /** `ci` for a CI/CD job token, `user-login` for GitLab's OIDC login id_token, else `unknown`. */
  readonly kind: 'ci' | 'user-login' | 'unknown'
  readonly identity: TokenIdentity
  readonly times: {
    readonly issuedAt?: Date
    readonly notBefore?: Date
    readonly expiresAt?: Date
    /** `exp - iat`: for a CI token GitLab sets it to the job's timeout. */
    readonly lifetimeSeconds?: number
    /** `exp - now`; negative once expired. */
    readonly expiresInSeconds?: number
  }
  readonly warnings: readonly InspectWarning[]
}

/**
 * Options of {@link inspectToken}.
 *
 * @example
 * ```ts
 * inspectToken(token, { now: Date.parse('2026-12-01T10:00:00Z') })
 * ```
 */
export interface InspectOptions {
  /** The clock for "expired" and `expiresInSeconds`, in milliseconds. Default `Date.now()`. */
  readonly now?: number
  /** Refuse longer tokens before parsing, in bytes. Default 32768 (the verifier's default). */
  readonly maxTokenLength?: number
}

const IDENTITY_CLAIMS = [
  'project_id',
  'project_path',
  'job_id',
  'pipeline_id',
  'ref',
  'jti',
  'sub',
  'iss',
] as const

/**
 * The identity a claim set names, strings only, marked verified or not.
 *
 * @example
 * ```ts
 * tokenIdentity(result.claims, true) // { verified: true, project_id: '42', job_id: '7400000001', … }
 * ```
 */
export function tokenIdentity(
  claims: Readonly<Record<string, unknown>>,
  verified: boolean,
): TokenIdentity {
  const identity: Record<string, string | boolean> = { verified }
  for (const name of IDENTITY_CLAIMS) {
    const value = claims[name]
    if (typeof value === 'string' && value !== '') identity[name] = value
  }
  return identity as unknown as TokenIdentity
}

/**
 * A short, stable name for a token that reveals nothing of it (a log line, a CLI table). SHA-256
 * is one-way, and a JWT has far too much entropy to guess.
 *
 * @example
 * ```ts
 * tokenFingerprint(token) // 'sha256:3f1a9c0b2d4e5f60'
 * ```
 */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`
}

const numericDate = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

/**
 * Decodes `token` without verifying anything and says what stands out: a user-login token,
 * expiry, `ref_protected: ""`, a fork merge-request pipeline (`project_id ≠ job_project_id`),
 * and path claims where an ID pin would be safer. For display and debugging only: nothing here
 * is evidence of anything until `verifier.verify()` has run.
 *
 * @throws {GitlabIdTokenError} `ERR_TOKEN_MALFORMED` when it is not a compact JWS with JSON parts.
 *
 * @example
 * ```ts
 * const inspected = inspectToken(process.env.DEPLOY_TOKEN!)
 * for (const w of inspected.warnings) console.warn(`${w.severity}: ${w.message}`)
 * ```
 */
export function inspectToken(token: unknown, options: InspectOptions = {}): InspectedToken {
  const decoded = decodeToken(token, options.maxTokenLength ?? 32_768)
  const claims = decoded.payload
  const nowMs = options.now ?? Date.now()
  const iat = numericDate(claims.iat)
  const nbf = numericDate(claims.nbf)
  const exp = numericDate(claims.exp)
  const { kind, warnings } = inspectWarnings(claims, nowMs / 1000)
  return {
    verified: false,
    header: decoded.header,
    claims,
    fingerprint: tokenFingerprint(token as string),
    kind,
    identity: tokenIdentity(claims, false),
    times: {
      ...(iat === undefined ? {} : { issuedAt: new Date(iat * 1000) }),
      ...(nbf === undefined ? {} : { notBefore: new Date(nbf * 1000) }),
      ...(exp === undefined ? {} : { expiresAt: new Date(exp * 1000) }),
      ...(exp === undefined || iat === undefined ? {} : { lifetimeSeconds: exp - iat }),
      ...(exp === undefined ? {} : { expiresInSeconds: Math.round(exp - nowMs / 1000) }),
    },
    warnings,
  }
}

/**
 * The typed, server-side-only `details` of each error code, and the token identity every refusal
 * carries, so a log line says which job was refused and why without anybody casting.
 *
 * @module
 */

import type { GitlabIdTokenErrorCode } from './errors.js'
import type { ClaimFailure, RuleReason } from './policy-types.js'

/**
 * Who a token claims to be: the job, pipeline and project it names, as strings. `verified` is
 * `false` when the signature did not (or could not yet) verify, so these values may be forged:
 * log them, never act on them.
 *
 * @example
 * ```ts
 * if (isGitlabIdTokenError(err) && err.details?.identity?.verified) {
 *   log.warn({ job: err.details.identity.job_id }, 'refused a genuine job token')
 * }
 * ```
 */
export interface TokenIdentity {
  readonly verified: boolean
  readonly project_id?: string
  readonly project_path?: string
  readonly job_id?: string
  readonly pipeline_id?: string
  readonly ref?: string
  readonly jti?: string
  readonly sub?: string
  readonly iss?: string
}

/** What every token-related refusal may carry next to its own facts. */
interface WithIdentity {
  readonly identity?: TokenIdentity
}

/**
 * The time checks' facts; seconds since the epoch.
 *
 * @example
 * ```ts
 * // { claim: 'exp', value: 1767225600, now: 1767229200.5, clockTolerance: 30 }
 * ```
 */
export interface TimeDetails extends WithIdentity {
  readonly claim: 'exp' | 'nbf' | 'iat'
  readonly value: number
  readonly now: number
  readonly clockTolerance: number
  readonly maxTokenAge?: number
}

/**
 * Code → the shape of `error.details`. Codes without an entry of their own carry at most an
 * identity (and, for `ERR_TOKEN_MALFORMED`, the part of the token that failed).
 *
 * @example
 * ```ts
 * const details: DetailsOf<'ERR_ISSUER_UNTRUSTED'> = { received: 'https://evil.example', trusted: ['https://gitlab.com'] }
 * ```
 */
export interface ErrorDetailsMap {
  readonly ERR_TOKEN_MALFORMED: WithIdentity & {
    readonly part?: 'token' | 'header' | 'payload' | 'signature' | 'claims'
    /** The claim that is missing or of the wrong type, when one is. */
    readonly claim?: string
    readonly reason?: string
  }
  readonly ERR_ISSUER_UNTRUSTED: WithIdentity & {
    readonly received: unknown
    readonly trusted: readonly string[]
  }
  readonly ERR_AUDIENCE_MISMATCH: WithIdentity & {
    readonly received: unknown
    readonly accepted: readonly string[]
  }
  readonly ERR_TOKEN_EXPIRED: TimeDetails
  readonly ERR_TOKEN_NOT_YET_VALID: TimeDetails
  readonly ERR_TOKEN_TOO_OLD: TimeDetails
  readonly ERR_KEY_NOT_FOUND: WithIdentity & {
    readonly kid: unknown
    readonly knownKids: readonly string[]
    readonly issuer?: string
  }
  readonly ERR_ALGORITHM_NOT_ALLOWED: WithIdentity & {
    readonly received: unknown
    readonly allowed: readonly string[]
  }
  readonly ERR_JWKS_UNAVAILABLE: WithIdentity & {
    readonly issuer: string
    readonly url?: string
    readonly status?: number
    readonly reason: string
  }
  readonly ERR_REPLAY_UNAVAILABLE: WithIdentity & {
    readonly reason: 'full' | 'timeout' | 'error' | 'invalid-answer' | 'tenant-share'
    readonly tenant?: string
  }
  readonly ERR_POLICY_DENIED: WithIdentity & {
    readonly deniedBy?: string
    readonly reasons: readonly RuleReason[]
  }
  readonly ERR_INSUFFICIENT_SCOPE: WithIdentity & {
    readonly required: readonly string[]
    readonly missing: readonly string[]
    readonly rules: readonly string[]
    readonly candidates: readonly {
      readonly rule: string
      readonly grants: readonly string[]
      readonly failures: readonly ClaimFailure[]
    }[]
  }
  readonly ERR_SIGNATURE_INVALID: WithIdentity
  readonly ERR_NOT_A_CI_TOKEN: WithIdentity & {
    /** The CI evidence the token lacks: `sub`, `project_id`, `job_id`, `pipeline_id`, … */
    readonly missing?: readonly string[]
    /** Claims no ID token has (`secrets_manager_scope` of a Secrets Manager pipeline JWT). */
    readonly unexpected?: readonly string[]
  }
  readonly ERR_TOKEN_REPLAYED: WithIdentity
}

/**
 * The `details` type of one code: its {@link ErrorDetailsMap} entry, or `unknown` for codes with
 * no token facts (configuration and transport errors).
 *
 * @example
 * ```ts
 * function logAudience(details: DetailsOf<'ERR_AUDIENCE_MISMATCH'> | undefined) {
 *   log.warn({ sent: details?.received, accepted: details?.accepted })
 * }
 * ```
 */
export type DetailsOf<C extends GitlabIdTokenErrorCode> = C extends keyof ErrorDetailsMap
  ? ErrorDetailsMap[C]
  : unknown

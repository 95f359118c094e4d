/**
 * The report {@link explainToken} returns: every check of `verify()`, every rule of the policy.
 *
 * @module
 */

import type { TokenIdentity } from './error-details.js'
import type { GitlabIdTokenErrorCode } from './errors.js'
import type { ClaimFailure } from './policy-types.js'

/**
 * The checks of `verify()`, in the order it runs them.
 *
 * @example
 * ```ts
 * const failed: ExplainCheckName[] = explanation.checks.filter((c) => c.status === 'fail').map((c) => c.name)
 * ```
 */
export type ExplainCheckName =
  | 'shape'
  | 'algorithm'
  | 'issuer'
  | 'key'
  | 'signature'
  | 'audience'
  | 'ci-token'
  | 'time'
  | 'policy'
  | 'grants'
  | 'replay'

/**
 * One check's outcome. `skip` means it could not run, and `summary` says why (e.g. no key, so
 * no signature check).
 *
 * @example
 * ```ts
 * // { name: 'audience', status: 'fail', code: 'ERR_AUDIENCE_MISMATCH', unverified: false,
 * //   summary: 'aud "https://other.example" is not an accepted audience ("https://deploy.example.com")',
 * //   details: { received: 'https://other.example', accepted: ['https://deploy.example.com'] } }
 * ```
 */
export interface ExplainCheck {
  readonly name: ExplainCheckName
  readonly status: 'pass' | 'fail' | 'skip'
  /** One line: what was compared with what, or why the check could not run. */
  readonly summary: string
  /** The code `verify()` throws for this failure. */
  readonly code?: GitlabIdTokenErrorCode
  /** What was checked and what was received (the error's typed `details` when it has some). */
  readonly details?: unknown
  /** The check ran on claims whose signature was not verified: its outcome proves nothing. */
  readonly unverified: boolean
}

/**
 * One allow or deny rule against the token's claims, every failing claim listed.
 *
 * @example
 * ```ts
 * // { kind: 'allow', name: 'production-deploy', matched: false, grants: ['deploy:production'],
 * //   failures: [{ claim: 'ref_protected', expected: 'true', actual: 'false' }] }
 * ```
 */
export interface ExplainRule {
  readonly kind: 'allow' | 'deny'
  /** The rule's `name`, or `allow[i]` / `deny[i]`. */
  readonly name: string
  /** Every `match` entry held. For a deny rule that means the token is refused. */
  readonly matched: boolean
  /** What the rule grants (allow rules; deny rules grant nothing). */
  readonly grants: readonly string[]
  /** Every claim that did not match, with the matcher and the actual value. */
  readonly failures: readonly ClaimFailure[]
  /**
   * Claims whose function matchers were not run because a pin of the rule (an exact `iss`, a
   * project or group) failed: functions only ever see their own tenant's tokens.
   */
  readonly notRun?: readonly string[]
  /** Set when the rule could not be evaluated on its own (the message says why). */
  readonly error?: string
}

/**
 * A full explanation of one token.
 *
 * - `ok`: no check that ran failed. `verified`: the signature was checked and holds. `verify()`
 *   accepts the token exactly when both are true.
 * - `code` / `status`: what `verify()` would throw: the first failing check in its order.
 *
 * @example
 * ```ts
 * const report = await verifier.explain(token, { require: ['deploy:production'] })
 * if (!report.ok) log.warn({ code: report.code, failed: report.checks.filter((c) => c.status === 'fail') })
 * ```
 */
export interface Explanation {
  readonly ok: boolean
  readonly verified: boolean
  readonly code?: GitlabIdTokenErrorCode
  readonly status?: number
  /** In `verify()`'s order; `time` once per failing time rule (`exp`, `nbf`, `iat`, `maxTokenAge`). */
  readonly checks: readonly ExplainCheck[]
  /** Allow rules in policy order, then deny rules. Empty when the payload could not be decoded. */
  readonly rules: readonly ExplainRule[]
  /** The grants `verify()` would give (empty unless the policy allows). */
  readonly grants: readonly string[]
  /** Names of the matching allow rules. */
  readonly matchedRules: readonly string[]
  /** Who the token names; `identity.verified` is `verified`. Absent when it could not be decoded. */
  readonly identity?: TokenIdentity
  /** The decoded header (unverified unless `verified`). */
  readonly header?: Readonly<Record<string, unknown>>
  /** The decoded claims (unverified unless `verified`). */
  readonly claims?: Readonly<Record<string, unknown>>
}

/**
 * Options of `verifier.explain(token, options)` and {@link explainToken}.
 *
 * @example
 * ```ts
 * await verifier.explain(token, { require: ['deploy:production'], now: Date.parse('2026-11-30T10:00:00Z') })
 * ```
 */
export interface ExplainOptions {
  /** Grants the caller needs; missing ones fail the `grants` check. Default: none. */
  readonly require?: readonly string[]
  /**
   * Look up the key and check the signature. Default `true`; `false` explains offline (no
   * network), and every claim check is then marked `unverified`.
   */
  readonly verifySignature?: boolean
  /** Compare `aud` with the verifier's audiences. Default `true`. */
  readonly checkAudience?: boolean
  /** The clock for the time checks, in milliseconds since the epoch. Default: the verifier's. */
  readonly now?: number
}

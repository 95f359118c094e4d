/**
 * What a verifier answers: results, decision events, health and its own description.
 *
 * @module
 */

import type { GitlabIdTokenClaims } from './claims.js'
import type { TokenIdentity } from './error-details.js'
import type { ExplainOptions, Explanation } from './explain-types.js'
import type { GitlabIdTokenErrorCode } from './errors.js'
import type { RuleReason } from './policy-types.js'
import type { CryptoMode } from './types.js'

/**
 * The one event each `verify()` call emits to `onDecision`, allowed or refused, with no token in
 * it. `stage: 'grants'` marks the extra event of a grant check refusing a verified result.
 *
 * @example
 * ```ts
 * onDecision(event, req) {
 *   log.info({ outcome: event.outcome, code: event.code, job: event.identity?.job_id, id: event.requestId })
 * }
 * ```
 */
export interface DecisionEvent {
  readonly outcome: 'allowed' | 'refused'
  readonly code?: GitlabIdTokenErrorCode
  readonly status?: number
  readonly rules: readonly string[]
  readonly grants: readonly string[]
  readonly reasons?: readonly RuleReason[]
  readonly identity?: TokenIdentity
  readonly issuer?: string
  readonly durationMs: number
  /** Whether the verified-result cache answered. */
  readonly cached: boolean
  readonly requestId: string
  readonly stage?: 'verify' | 'grants'
}

/**
 * What {@link Verifier.verify} resolves to. Frozen.
 *
 * @example
 * ```ts
 * const { claims, grants, rules } = await verifier.verify(token)
 * log.info({ project: claims.project_path, job: claims.job_id, rules }, 'deploy accepted')
 * if (!grants.includes('deploy:prod')) throw new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE')
 * ```
 */
export interface VerifyResult {
  /** The claims exactly as GitLab sent them (frozen). */
  readonly claims: GitlabIdTokenClaims
  /** Union of the grants of every matching allow rule. */
  readonly grants: readonly string[]
  /** Names (or `allow[i]`) of the matching allow rules. */
  readonly rules: readonly string[]
  /** The issuer that signed the token. */
  readonly issuer: string
  /** When the token expires. */
  readonly expiresAt: Date
  /** For every allow rule that did not match, which claims failed (and what it would grant). */
  readonly reasons: readonly RuleReason[]
  /** The correlation ID of this call (given in the context, or random). */
  readonly requestId: string
}

/**
 * Per-call context of {@link Verifier.verify}.
 *
 * @example
 * ```ts
 * await verifier.verify(token, { request: req, requestId: req.id })
 * ```
 */
export interface VerifyContext {
  /** Passed through to `onDecision` untouched. */
  readonly request?: unknown
  /** The framework's request ID; default a short random one. At most 128 printable characters. */
  readonly requestId?: string
}

/**
 * One issuer's key-set state, from {@link Verifier.health}.
 *
 * @example
 * ```ts
 * app.get('/readyz', (req, res) => res.status(verifier.health().every((h) => h.usable) ? 200 : 503).end())
 * ```
 */
export interface IssuerHealth {
  readonly issuer: string
  readonly usable: boolean
  readonly kids: readonly string[]
  readonly fetchedAt?: Date
  readonly stale: boolean
  readonly lastError?: string
  readonly nextFetchAt?: Date
}

/**
 * A configured verifier; create one per service and share it (it owns the key cache).
 *
 * @example
 * ```ts
 * const verifier = createVerifier(options)
 * app.use(verifyGitlabIdToken({ verifier })) // share one key cache across apps and routers
 * ```
 */
export interface Verifier {
  /** Verifies a compact JWS and evaluates the policy; throws {@link GitlabIdTokenError}. */
  verify(token: unknown, context?: VerifyContext): Promise<VerifyResult>
  /**
   * Fetches every issuer's key set now (unless fresh keys are in memory); rejects with
   * `ERR_JWKS_UNAVAILABLE`, whose `details.reason` says why, when any issuer has no usable key.
   */
  ready(): Promise<void>
  /** Each issuer's key-set state, without fetching. */
  health(): readonly IssuerHealth[]
  /** The effective configuration as plain JSON (no functions, no secrets), for the app to log. */
  describe(): VerifierDescription
  /** Runs every check without stopping at the first failure; never throws for a bad token. */
  explain(token: unknown, options?: ExplainOptions): Promise<Explanation>
}

/**
 * What {@link Verifier.describe} returns.
 *
 * @example
 * ```ts
 * log.info({ verifier: verifier.describe() }, 'gitlab-id-token ready')
 * ```
 */
export interface VerifierDescription {
  readonly issuers: readonly {
    readonly issuer: string
    readonly keys: 'discovery' | 'jwksUri' | 'static'
    readonly jwksUri?: string
  }[]
  readonly audiences: readonly string[]
  readonly algorithms: readonly string[]
  readonly clockTolerance: number
  readonly maxTokenAge?: number
  readonly maxTokenLength: number
  readonly jwks: {
    readonly cacheMaxAge: number
    readonly cooldown: number
    readonly timeout: number
    readonly maxStale: number
  }
  readonly cache: false | { readonly max: number }
  readonly crypto: CryptoMode
  readonly replay:
    | false
    | {
        readonly timeout: number
        readonly only?: { readonly rules?: readonly string[]; readonly grants?: readonly string[] }
      }
  readonly policy: {
    readonly allow: readonly {
      readonly name: string
      readonly claims: readonly string[]
      readonly grants: readonly string[]
    }[]
    readonly deny: readonly { readonly name: string; readonly claims: readonly string[] }[]
  }
  readonly allowAnyProject: unknown
}

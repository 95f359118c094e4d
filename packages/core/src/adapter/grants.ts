/**
 * Route-level grant requirements (RFC 6750 §3.1 `insufficient_scope`), shared by every adapter's
 * `requireGrants`.
 *
 * @module
 */

import { emitGrantRefusal } from '../decision-events.js'
import { GitlabIdTokenError } from '../errors.js'
import type { GatewayAssertion } from '../gateway-assertion.js'
import type { ClaimFailure } from '../policy-types.js'
import type { VerifyResult } from '../types.js'
import { isAnonymous, newRequestId } from './request-state.js'

/** An allow rule that did not match but would have given a missing grant, and why it failed. */
interface Candidate {
  readonly rule: string
  readonly grants: readonly string[]
  readonly failures: readonly ClaimFailure[]
}

/**
 * Compiles a grant requirement once: the returned check throws `ERR_INSUFFICIENT_SCOPE` (403,
 * `error="insufficient_scope"`) unless the result carries every grant. `error.details` (server
 * side only) names the missing grants, the rules that matched, and each rule that would have
 * given a missing grant with the claims it failed on; the client learns nothing of the policy.
 * The refusal is reported to the verifier's `onDecision` as a second event, `stage: 'grants'`.
 *
 * @param grants - every one is required. An empty list is `ERR_INVALID_CONFIG` (a route guarded
 *   by nothing is a mistake worth failing at startup).
 * @returns `(result, request?) => void`; `request` is passed on to `onDecision`. `result` may
 *   also be a gateway assertion (`requireGatewayAssertion`), whose grants the gateway's route gave.
 * @example
 * ```ts
 * const check = grantCheck(['deploy:production'])
 * check(req.gitlabIdToken, req) // throws ERR_INSUFFICIENT_SCOPE
 * ```
 */
export function grantCheck(
  grants: readonly string[],
): (result: VerifyResult | GatewayAssertion | null | undefined, request?: unknown) => void {
  const required: string[] = []
  for (const grant of Array.isArray(grants) ? (grants as readonly unknown[]) : []) {
    if (typeof grant !== 'string' || grant.length === 0) {
      throw new GitlabIdTokenError('ERR_INVALID_CONFIG', 'grants must be non-empty strings')
    }
    required.push(grant)
  }
  if (required.length === 0) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', 'requireGrants needs at least one grant')
  }
  return (result, request) => {
    if (result === null || result === undefined) {
      if (isAnonymous(request)) {
        // `optional: true` let a request without a credential through to a route that needs one.
        const error = new GitlabIdTokenError('ERR_TOKEN_MISSING', 'this route requires a token')
        error.requestId = newRequestId()
        throw error
      }
      // Reaching a grant check without a verified token means the route skipped verification:
      // the server's mistake, answered 500 rather than served.
      const error = new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        'requireGrants ran before verifyGitlabIdToken on this route',
      )
      error.requestId = newRequestId()
      throw error
    }
    let missing: string[] | undefined
    for (const grant of required) {
      if (!result.grants.includes(grant)) (missing ??= []).push(grant)
    }
    if (missing === undefined) return
    const absent: readonly string[] = missing
    if ('route' in result) {
      // A gateway assertion: the gateway's route is the one rule, and the app has no policy.
      const error = new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE', 'required grant missing', {
        details: { required, missing, rules: [result.route], candidates: [] },
      })
      error.requestId = newRequestId()
      throw error
    }
    const candidates: Candidate[] = []
    for (const reason of result.reasons) {
      if (reason.grants.some((grant) => absent.includes(grant))) {
        candidates.push({ rule: reason.rule, grants: reason.grants, failures: reason.failures })
      }
    }
    const error = new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE', 'required grant missing', {
      details: { required, missing, rules: result.rules, candidates },
    })
    emitGrantRefusal(result, error, request)
    throw error
  }
}

/**
 * One-shot form of {@link grantCheck}.
 *
 * @example
 * ```ts
 * assertGrants(result, ['deploy:staging'])
 * ```
 */
export function assertGrants(
  result: VerifyResult | GatewayAssertion | null | undefined,
  grants: readonly string[],
  request?: unknown,
): void {
  grantCheck(grants)(result, request)
}

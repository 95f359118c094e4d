/**
 * The policy engine: validates a {@link Policy} once, then decides each token with nothing but
 * predicate calls on the allowed path.
 *
 * @module
 */

import type { GitlabIdTokenClaims } from './claims.js'
import {
  compileRule,
  EMPTY,
  firstFailure,
  freezeDecision,
  invalid,
  label,
  reason,
  validateShape,
} from './compile-rule.js'
import { describeValue } from './matcher.js'
import type { Policy, PolicyDecision, RuleReason } from './policy-types.js'
import { assertTenantPinned } from './tenant-pin.js'

/**
 * Options of {@link compilePolicy} and {@link evaluatePolicy}.
 *
 * @example
 * ```ts
 * compilePolicy(policy, { allowAnyProject: true }) // private instance only
 * ```
 */
export interface PolicyOptions {
  /** Accept allow rules that pin no project or group (see the tenant-pin rule). Default `false`. */
  readonly allowAnyProject?: boolean
}

/**
 * A validated policy, ready for the verifier's hot path.
 *
 * @example
 * ```ts
 * const decision = compilePolicy(policy).decide(claims)
 * ```
 */
export interface CompiledPolicy {
  /** Decides one claim set. The result is frozen; it is only `allowed` with no deny rule matching. */
  decide(claims: GitlabIdTokenClaims): PolicyDecision
}

/**
 * Validates `policy` and compiles every matcher once.
 *
 * Checks: `allow` is a non-empty array and `deny` an array; each rule has a non-empty `match` object
 * whose keys are known claim names, valid matchers, string-array `grants` and no other keys;
 * every allow rule pins a tenant unless `allowAnyProject` is set.
 *
 * @param policy - the policy; never mutated.
 * @param options - `allowAnyProject` (default `false`).
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` with a message saying what to change.
 *
 * @example
 * ```ts
 * const compiled = compilePolicy({
 *   allow: [{ name: 'deploy', match: { project_id: '42', ref_protected: true }, grants: ['deploy'] }],
 * })
 * const decision = compiled.decide(claims)
 * if (!decision.allowed) throw new GitlabIdTokenError('ERR_POLICY_DENIED', undefined, { details: decision })
 * ```
 */
export function compilePolicy(policy: Policy, options: PolicyOptions = {}): CompiledPolicy {
  validateShape(policy)
  const { allowAnyProject = false } = options
  if (typeof allowAnyProject !== 'boolean') throw invalid('allowAnyProject must be a boolean')
  const allow = policy.allow.map((rule, i) => compileRule(rule, `allow[${i}]`))
  const deny = (policy.deny ?? []).map((rule, i) => compileRule(rule, `deny[${i}]`))
  if (!allowAnyProject) {
    policy.allow.forEach((rule, i) => assertTenantPinned(rule, label(rule, `allow[${i}]`)))
  }

  // Reused across calls so an allowed token costs no allocation; taken while in use so a function
  // matcher that re-enters decide() gets its own array.
  let scratch: Int32Array | undefined

  function decide(claims: GitlabIdTokenClaims): PolicyDecision {
    for (const rule of deny) {
      if (firstFailure(rule, claims) === -1) return deniedByRule(rule.name, claims)
    }
    const failedAt = scratch ?? new Int32Array(allow.length)
    scratch = undefined
    let first = -1
    let count = 0
    for (let i = 0; i < allow.length; i++) {
      const failure = firstFailure(allow[i]!, claims)
      failedAt[i] = failure
      if (failure === -1 && count++ === 0) first = i
    }
    const decision =
      count === 1 ? allow[first]!.single : count > 1 ? union(failedAt) : noMatch(failedAt, claims)
    scratch = failedAt
    return decision
  }

  function union(failedAt: Int32Array): PolicyDecision {
    const rules: string[] = []
    const grants = new Set<string>()
    allow.forEach((rule, i) => {
      if (failedAt[i] !== -1) return
      rules.push(rule.name)
      for (const grant of rule.grants) grants.add(grant)
    })
    return freezeDecision(true, [...grants], rules, EMPTY)
  }

  function noMatch(failedAt: Int32Array, claims: GitlabIdTokenClaims): PolicyDecision {
    const reasons = allow.map((rule, i) => reason(rule, claims, failedAt[i]!))
    return freezeDecision(false, EMPTY, EMPTY, reasons)
  }

  function deniedByRule(deniedBy: string, claims: GitlabIdTokenClaims): PolicyDecision {
    const rules: string[] = []
    const reasons: RuleReason[] = []
    for (const rule of allow) {
      const failed = reason(rule, claims, -1)
      if (failed.failures.length === 0) rules.push(rule.name)
      else reasons.push(failed)
    }
    return freezeDecision(false, EMPTY, rules, reasons, deniedBy)
  }

  return Object.freeze({ decide })
}

/**
 * Validates `policy` and decides `claims` against it (pure; compiles on every call, so prefer
 * {@link compilePolicy} or `createVerifier` for repeated use).
 *
 * Any matching deny rule refuses; otherwise the token is allowed when at least one allow rule
 * matches. `grants` is the union of the matching allow rules' grants (first-seen order) and is
 * empty when refused; `rules` names the matching allow rules (`allow[i]` when unnamed); `deniedBy`
 * names the first matching deny rule (`deny[i]` when unnamed); `reasons` lists, for each allow rule
 * that did not match, every failing claim with the expected matcher and the actual value.
 *
 * @param policy - the policy (see the README's semantics table).
 * @param claims - a claim set, e.g. `VerifyResult.claims`.
 * @param options - `allowAnyProject` (default `false`).
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` for an invalid policy.
 *
 * @example
 * ```ts
 * const decision = evaluatePolicy(
 *   { allow: [{ name: 'platform', match: { namespace_path: { glob: 'platform/**' } }, grants: ['read'] }] },
 *   claims,
 * )
 * // { allowed: false, grants: [], rules: [], reasons: [{ rule: 'platform', failures: [
 * //   { claim: 'namespace_path', expected: 'glob "platform/**"', actual: 'other/group' } ] }] }
 * ```
 */
export function evaluatePolicy(
  policy: Policy,
  claims: GitlabIdTokenClaims,
  options: PolicyOptions = {},
): PolicyDecision {
  const compiled = compilePolicy(policy, options)
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw invalid(`claims must be an object, got ${describeValue(claims)}`)
  }
  return compiled.decide(claims)
}

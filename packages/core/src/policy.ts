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
import type { CompiledRule } from './compile-rule.js'
import { resolveIssuerScope } from './issuer-scope.js'
import type { AllowAnyProject } from './issuer-scope.js'
import { describeValue } from './matcher.js'
import type { Policy, PolicyDecision, RuleReason } from './policy-types.js'
import { assertTenantPinned } from './tenant-pin.js'

/**
 * Options of {@link compilePolicy} and {@link evaluatePolicy}.
 *
 * @example
 * ```ts
 * compilePolicy(policy, {
 *   issuers: ['https://gitlab.com', 'https://gitlab.internal.example'],
 *   allowAnyProject: { issuers: ['https://gitlab.internal.example'] }, // a private instance only
 * })
 * ```
 */
export interface PolicyOptions {
  /**
   * Accept allow rules that pin no project or group (see the tenant-pin rule): `true` for the one
   * trusted issuer, or `{ issuers }` naming the instances it covers (an allow rule is covered when
   * its `iss` is one of them, or when that is the only trusted issuer). Default `false`.
   */
  readonly allowAnyProject?: AllowAnyProject
  /**
   * Let `allowAnyProject` cover a shared instance (`https://gitlab.com`), where anyone can mint a
   * token with your audience. Default `false`; almost always a mistake.
   */
  readonly allowAnyProjectOnSharedInstance?: boolean
  /**
   * The trusted issuers (the verifier passes its own). With more than one, every allow rule must
   * pin an exact `iss`. Default: unknown (no `iss` rule; `allowAnyProject: true` covers every rule).
   */
  readonly issuers?: readonly string[]
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
 * whose keys are known claim names, valid matchers of the claim's type, string-array `grants` and
 * no other keys; with more than one trusted issuer every allow rule pins an exact `iss`; every
 * allow rule pins a tenant unless `allowAnyProject` covers its issuer.
 *
 * Deciding costs, for a token of another tenant, one pin comparison per allow rule: each rule's
 * entries run pins first and stop at the first failure, deny rules run only once an allow rule
 * matched, and a refusal's reasons report the failed pin without running the rest of the rule.
 * Globs match in linear time. Regex and function matchers on a pinned rule still run for that
 * tenant's own tokens, with values its pipelines choose (`environment`, `ref`): keep them cheap.
 *
 * @param policy - the policy; never mutated.
 * @param options - `allowAnyProject` (default `false`), `allowAnyProjectOnSharedInstance`
 *   (default `false`), `issuers` (default: unknown).
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
  const scope = resolveIssuerScope(options)
  const allow = policy.allow.map((rule, i) => compileRule(rule, `allow[${i}]`))
  const deny = (policy.deny ?? []).map((rule, i) => compileRule(rule, `deny[${i}]`))
  policy.allow.forEach((rule, i) => {
    const at = label(rule, `allow[${i}]`)
    const issuer = scope.issuerOf(rule, at)
    if (!scope.anyProject(issuer)) assertTenantPinned(rule, at, scope.anyProjectAdvice(issuer))
  })
  // Every allow rule matching is the same decision each time: build it once.
  const everyRule = allow.length === 1 ? allow[0]!.single : union(allow, undefined)

  // Reused across calls so a decision allocates only what it returns; taken while in use so a
  // function matcher that re-enters decide() gets its own array.
  let scratch: Int32Array | undefined
  // Per allow rule, the last decision in which it alone matched: the same tenant calling again
  // gets the same frozen object when the other rules failed for the same reasons (see `reason`).
  const lastAlone: (PolicyDecision | undefined)[] = allow.map(() => undefined)

  function decide(claims: GitlabIdTokenClaims): PolicyDecision {
    const failedAt = scratch ?? new Int32Array(allow.length)
    scratch = undefined
    let count = 0
    let first = -1
    for (let i = 0; i < allow.length; i++) {
      const failure = firstFailure(allow[i]!, claims)
      failedAt[i] = failure
      if (failure === -1 && count++ === 0) first = i
    }
    let decision: PolicyDecision
    if (count === 0) {
      // No allow rule matched: the token is refused whatever the deny rules say, so they do not
      // run (a deny rule's glob or function never sees a stranger's token).
      decision = freezeDecision(false, EMPTY, EMPTY, reasons(failedAt, claims))
    } else {
      const denied = deny.find((rule) => firstFailure(rule, claims) === -1)
      if (denied !== undefined) {
        const rules = allow.filter((_, i) => failedAt[i] === -1).map((rule) => rule.name)
        decision = freezeDecision(false, EMPTY, rules, reasons(failedAt, claims), denied.name)
      } else if (count === allow.length) {
        decision = everyRule
      } else if (count === 1) {
        decision = alone(first, reasons(failedAt, claims))
      } else {
        decision = union(allow, reasons(failedAt, claims), failedAt)
      }
    }
    scratch = failedAt
    return decision
  }

  function alone(index: number, list: readonly RuleReason[]): PolicyDecision {
    const last = lastAlone[index]
    if (last?.reasons.length === list.length && list.every((r, j) => last.reasons[j] === r)) {
      return last
    }
    const { single } = allow[index]!
    const decision = freezeDecision(true, single.grants, single.rules, list)
    lastAlone[index] = decision
    return decision
  }

  function reasons(failedAt: Int32Array, claims: GitlabIdTokenClaims): RuleReason[] {
    const list: RuleReason[] = []
    allow.forEach((rule, i) => {
      if (failedAt[i] !== -1) list.push(reason(rule, claims, failedAt[i]!))
    })
    return list
  }

  return Object.freeze({ decide })
}

function union(
  allow: readonly CompiledRule[],
  reasons: readonly RuleReason[] | undefined,
  failedAt?: Int32Array,
): PolicyDecision {
  const rules: string[] = []
  const grants = new Set<string>()
  allow.forEach((rule, i) => {
    if (failedAt !== undefined && failedAt[i] !== -1) return
    rules.push(rule.name)
    for (const grant of rule.grants) grants.add(grant)
  })
  return freezeDecision(true, [...grants], rules, reasons ?? EMPTY)
}

/**
 * Validates `policy` and decides `claims` against it (pure; compiles on every call, so prefer
 * {@link compilePolicy} or `createVerifier` for repeated use).
 *
 * Any matching deny rule refuses; otherwise the token is allowed when at least one allow rule
 * matches. `grants` is the union of the matching allow rules' grants (first-seen order) and is
 * empty when refused; `rules` names the matching allow rules (`allow[i]` when unnamed); `deniedBy`
 * names the first matching deny rule (`deny[i]` when unnamed; deny rules run only when an allow
 * rule matched); `reasons` lists, for each allow rule that did not match — also when another rule
 * allowed the token — its grants and its failing claims with the expected matcher and the actual
 * value: the failed pin alone when a pin failed, else every failing claim.
 *
 * @param policy - the policy (see the README's semantics table).
 * @param claims - a claim set, e.g. `VerifyResult.claims`.
 * @param options - see {@link PolicyOptions} (`allowAnyProject` default `false`).
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` for an invalid policy.
 *
 * @example
 * ```ts
 * const decision = evaluatePolicy(
 *   { allow: [{ name: 'platform', match: { namespace_path: { glob: 'platform/**' } }, grants: ['read'] }] },
 *   claims,
 * )
 * // { allowed: false, grants: [], rules: [], reasons: [{ rule: 'platform', grants: ['read'], failures: [
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

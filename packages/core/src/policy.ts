/**
 * The policy engine: validates a {@link Policy} once, then decides each token with nothing but
 * predicate calls on the allowed path.
 *
 * @module
 */

import { CLAIM_NAMES } from './claims.js'
import type { ClaimName, GitlabIdTokenClaims } from './claims.js'
import { GitlabIdTokenError } from './errors.js'
import { compileMatcher, describeValue } from './matcher.js'
import type { ClaimPredicate } from './matcher.js'
import type { ClaimFailure, Policy, PolicyDecision, Rule, RuleReason } from './policy-types.js'
import { assertTenantPinned } from './tenant-pin.js'

/** Options of {@link compilePolicy} and {@link evaluatePolicy}. */
export interface PolicyOptions {
  /** Accept allow rules that pin no project or group (see the tenant-pin rule). Default `false`. */
  readonly allowAnyProject?: boolean
}

/** A validated policy, ready for the verifier's hot path. */
export interface CompiledPolicy {
  /** Decides one claim set. The result is frozen; it is only `allowed` with no deny rule matching. */
  decide(claims: GitlabIdTokenClaims): PolicyDecision
}

interface CompiledRule {
  readonly name: string
  readonly claims: readonly ClaimName[]
  readonly tests: readonly ClaimPredicate[]
  readonly expected: readonly string[]
  /** The decision when this is the only matching allow rule, built once. */
  readonly single: PolicyDecision
  readonly grants: readonly string[]
}

type Claims = Readonly<Record<string, unknown>>

const EMPTY: readonly never[] = Object.freeze([])
const KNOWN_CLAIMS: ReadonlySet<string> = new Set(CLAIM_NAMES)
const RULE_KEYS: ReadonlySet<string> = new Set(['name', 'match', 'grants'])

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

// Takes `unknown`: policies often come from JSON or YAML files, whatever their static type says.
function validateShape(policy: unknown): void {
  if (!isPlainObject(policy))
    throw invalid(`policy must be an object, got ${describeValue(policy)}`)
  for (const key of Object.keys(policy)) {
    if (key === 'allow' || key === 'deny') continue
    const hint =
      key === 'allowAnyProject' ? ' (allowAnyProject is a verifier option, not a policy key)' : ''
    throw invalid(`policy has an unknown key "${key}"${hint}; a policy has only allow and deny`)
  }
  if (!Array.isArray(policy.allow) || policy.allow.length === 0) {
    throw invalid(
      'policy.allow must be a non-empty array of rules: with no allow rule every token is refused',
    )
  }
  if (policy.deny !== undefined && !Array.isArray(policy.deny)) {
    throw invalid(`policy.deny must be an array of rules, got ${describeValue(policy.deny)}`)
  }
}

function compileRule(rule: Rule, at: string): CompiledRule {
  if (!isPlainObject(rule))
    throw invalid(`policy ${at} must be an object, got ${describeValue(rule)}`)
  const unknown = Object.keys(rule).find((key) => !RULE_KEYS.has(key))
  if (unknown !== undefined) {
    throw invalid(
      `policy ${at} has an unknown key "${unknown}"; a rule has only name, match and grants`,
    )
  }
  if (rule.name !== undefined && (typeof rule.name !== 'string' || rule.name === '')) {
    throw invalid(`policy ${at}.name must be a non-empty string`)
  }
  const { match } = rule
  if (!isPlainObject(match) || Object.keys(match).length === 0) {
    throw invalid(`policy ${at}.match must be a non-empty object of claim name → matcher`)
  }
  const claims: ClaimName[] = []
  const tests: ClaimPredicate[] = []
  const expected: string[] = []
  for (const [claim, matcher] of Object.entries(match)) {
    if (!KNOWN_CLAIMS.has(claim)) {
      throw invalid(
        `policy ${at}.match: unknown claim "${claim}". Known claims: ${CLAIM_NAMES.join(', ')}`,
      )
    }
    // An `undefined` matcher must not silently drop a condition and widen the rule.
    const compiled = compileMatcher(matcher, claim as ClaimName, `${at}.match.${claim}`)
    claims.push(claim as ClaimName)
    tests.push(compiled.test)
    expected.push(compiled.expected)
  }
  const grants = rule.grants ?? EMPTY
  if (!Array.isArray(grants) || !grants.every((g) => typeof g === 'string')) {
    throw invalid(`policy ${at}.grants must be an array of strings`)
  }
  const name = rule.name ?? at
  const unique = Object.freeze([...new Set(grants)])
  return {
    name,
    claims,
    tests,
    expected,
    grants: unique,
    single: freezeDecision(true, unique, [name], EMPTY),
  }
}

function firstFailure(rule: CompiledRule, claims: GitlabIdTokenClaims): number {
  const { tests, claims: names } = rule
  const values = claims as unknown as Claims
  for (let j = 0; j < tests.length; j++) {
    if (!tests[j]!(values[names[j]!], claims)) return j
  }
  return -1
}

/**
 * Every failing entry of `rule`. `failed` is the entry the fast pass already saw fail (the ones
 * before it passed), or -1 when the rule was not evaluated yet. Entries the fast pass called are
 * not called again: a function matcher runs at most once per element per decision.
 */
function reason(rule: CompiledRule, claims: GitlabIdTokenClaims, failed: number): RuleReason {
  const values = claims as unknown as Claims
  const failures: ClaimFailure[] = []
  for (let j = Math.max(failed, 0); j < rule.tests.length; j++) {
    const claim = rule.claims[j]!
    const actual = values[claim]
    if (j === failed || !rule.tests[j]!(actual, claims)) {
      failures.push(Object.freeze({ claim, expected: rule.expected[j]!, actual }))
    }
  }
  return Object.freeze({ rule: rule.name, failures: Object.freeze(failures) })
}

function freezeDecision(
  allowed: boolean,
  grants: readonly string[],
  rules: readonly string[],
  reasons: readonly RuleReason[],
  deniedBy?: string,
): PolicyDecision {
  return Object.freeze({
    allowed,
    grants: Object.freeze(grants),
    rules: Object.freeze(rules),
    ...(deniedBy === undefined ? {} : { deniedBy }),
    reasons: Object.freeze(reasons),
  })
}

function label(rule: Rule, at: string): string {
  return rule.name === undefined ? at : `${at} (${JSON.stringify(rule.name)})`
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

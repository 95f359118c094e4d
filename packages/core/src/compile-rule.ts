/**
 * One policy rule, validated and compiled: its matchers, its precomputed decision, and how to
 * explain a mismatch.
 *
 * @module
 */

import { CLAIM_NAMES } from './claims.js'
import type { ClaimName, GitlabIdTokenClaims } from './claims.js'
import { GitlabIdTokenError } from './errors.js'
import { compileMatcher, describeValue } from './matcher.js'
import type { ClaimPredicate } from './matcher.js'
import type { ClaimFailure, Matcher, PolicyDecision, Rule, RuleReason } from './policy-types.js'
import { isTenantPin } from './tenant-pin.js'

/** A rule ready for the hot path. */
export interface CompiledRule {
  readonly name: string
  /** The rule's entries, pins first (see {@link compileRule}). */
  readonly claims: readonly ClaimName[]
  readonly tests: readonly ClaimPredicate[]
  readonly expected: readonly string[]
  /** How many leading entries are pins: an exact `iss`, then the tenant pins. */
  readonly pins: number
  /** The last failed-pin reason, reused while the same tenant keeps calling (see `reason`). */
  readonly memo: { failed: number; actual: unknown; reason: RuleReason | undefined }
  /** The decision when this is the only matching allow rule, built once. */
  readonly single: PolicyDecision
  readonly grants: readonly string[]
}

type Claims = Readonly<Record<string, unknown>>

export const EMPTY: readonly never[] = Object.freeze([])
const KNOWN_CLAIMS: ReadonlySet<string> = new Set(CLAIM_NAMES)
const RULE_KEYS: ReadonlySet<string> = new Set(['name', 'match', 'grants'])

// Takes `unknown`: policies often come from JSON or YAML files, whatever their static type says.
export function validateShape(policy: unknown): void {
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

// An exact `iss` is the cheapest test and the first boundary (issuer, then tenant within it).
function pinRank(claim: string, matcher: Matcher): number {
  if (claim === 'iss' && typeof matcher === 'string') return 0
  return isTenantPin(claim as ClaimName, matcher) ? 1 : 2
}

/**
 * Validates and compiles one rule. Its entries are reordered pins first, so that a token of
 * another issuer or tenant fails on a string comparison and never reaches the rule's globs,
 * regexes or functions: those only ever see the values of the tenant the rule names.
 *
 * @param rule - the rule as written.
 * @param at - its location, e.g. `allow[0]`; also its name when it has none.
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` naming the rule and the problem.
 *
 * @example
 * ```ts
 * const rule = compileRule({ match: { environment: 'prod', project_id: '42' } }, 'allow[0]')
 * rule.claims // ['project_id', 'environment']
 * rule.pins   // 1
 * ```
 */
export function compileRule(rule: Rule, at: string): CompiledRule {
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
  const entries = Object.entries(match).map(([claim, matcher]) => {
    if (!KNOWN_CLAIMS.has(claim)) {
      throw invalid(
        `policy ${at}.match: unknown claim "${claim}". Known claims: ${CLAIM_NAMES.join(', ')}`,
      )
    }
    // An `undefined` matcher must not silently drop a condition and widen the rule.
    const compiled = compileMatcher(matcher, claim as ClaimName, `${at}.match.${claim}`)
    return { claim: claim as ClaimName, compiled, rank: pinRank(claim, matcher) }
  })
  // Array.prototype.sort is stable (ES2019): entries of one rank keep the policy's order.
  entries.sort((a, b) => a.rank - b.rank)
  const claims = entries.map((entry) => entry.claim)
  const tests = entries.map((entry) => entry.compiled.test)
  const expected = entries.map((entry) => entry.compiled.expected)
  const pins = entries.filter((entry) => entry.rank < 2).length
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
    pins,
    memo: { failed: -1, actual: undefined, reason: undefined },
    grants: unique,
    single: freezeDecision(true, unique, [name], EMPTY),
  }
}

/**
 * The index of the first failing entry of `rule` (pins first), or -1 when every entry holds.
 *
 * @example
 * ```ts
 * firstFailure(rule, claims) === -1 // the rule matches
 * ```
 */
export function firstFailure(rule: CompiledRule, claims: GitlabIdTokenClaims): number {
  const { tests, claims: names } = rule
  const values = claims as unknown as Claims
  for (let j = 0; j < tests.length; j++) {
    if (!tests[j]!(values[names[j]!], claims)) return j
  }
  return -1
}

/**
 * Why `rule` did not match, with its grants. `failed` is the entry {@link firstFailure} saw fail
 * (the ones before it held).
 *
 * The work is bounded by the pins: when a pin failed, that pin is the whole reason and nothing
 * else of the rule runs (a stranger's token never reaches its globs, regexes or functions, not
 * even to explain a refusal). When every pin held, the token is the rule's own tenant's, and each
 * later entry runs once to list every failing claim; entries the fast pass already ran are not
 * run again, so a function matcher runs at most once per element per decision.
 *
 * @example
 * ```ts
 * reason(rule, claims, firstFailure(rule, claims))
 * // { rule: 'deploy', grants: ['deploy'], failures: [{ claim: 'project_id', expected: '"42"', actual: '7' }] }
 * ```
 */
export function reason(
  rule: CompiledRule,
  claims: GitlabIdTokenClaims,
  failed: number,
): RuleReason {
  const values = claims as unknown as Claims
  const failures: ClaimFailure[] = []
  if (failed < 0) return Object.freeze({ rule: rule.name, grants: rule.grants, failures: EMPTY })
  const { memo } = rule
  const pinFailed = failed < rule.pins
  if (pinFailed) {
    // A failed pin is the whole reason and depends on one primitive value only: while the same
    // tenant keeps calling, the frozen reason of the last call is reused (allowed decisions carry
    // the other rules' reasons, so this is on the hot path).
    const actual = values[rule.claims[failed]!]
    if (memo.reason !== undefined && memo.failed === failed && memo.actual === actual) {
      return memo.reason
    }
  }
  const end = pinFailed ? failed + 1 : rule.tests.length
  for (let j = failed; j < end; j++) {
    const claim = rule.claims[j]!
    const actual = values[claim]
    if (j === failed || !rule.tests[j]!(actual, claims)) {
      failures.push(Object.freeze({ claim, expected: rule.expected[j]!, actual }))
    }
  }
  const result = Object.freeze({
    rule: rule.name,
    grants: rule.grants,
    failures: Object.freeze(failures),
  })
  const actual = failures[0]?.actual
  if (pinFailed && (typeof actual !== 'object' || actual === null)) {
    memo.failed = failed
    memo.actual = actual
    memo.reason = result
  }
  return result
}

export function freezeDecision(
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

export function label(rule: Rule, at: string): string {
  return rule.name === undefined ? at : `${at} (${JSON.stringify(rule.name)})`
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

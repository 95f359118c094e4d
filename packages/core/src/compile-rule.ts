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
import type { ClaimFailure, PolicyDecision, Rule, RuleReason } from './policy-types.js'

/** A rule ready for the hot path. */
export interface CompiledRule {
  readonly name: string
  readonly claims: readonly ClaimName[]
  readonly tests: readonly ClaimPredicate[]
  readonly expected: readonly string[]
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

export function firstFailure(rule: CompiledRule, claims: GitlabIdTokenClaims): number {
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
export function reason(
  rule: CompiledRule,
  claims: GitlabIdTokenClaims,
  failed: number,
): RuleReason {
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

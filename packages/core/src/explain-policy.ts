/**
 * The policy half of an explanation: every allow and deny rule on its own, then the decision and
 * the required grants.
 *
 * @module
 */

import type { ClaimName, GitlabIdTokenClaims } from './claims.js'
import type { ExplainCheck, ExplainRule } from './explain-types.js'
import { compileMatcher } from './matcher.js'
import type { CompiledPolicy } from './policy.js'
import type { ClaimFailure, Policy, PolicyDecision, Rule } from './policy-types.js'
import { isTenantPin } from './tenant-pin.js'

/** The policy checks and the per-rule report. */
export interface PolicyExplanation {
  readonly rules: readonly ExplainRule[]
  readonly decision: PolicyDecision
  readonly policy: ExplainCheck
  readonly grants: ExplainCheck | undefined
}

const hasFunction = (matcher: unknown): boolean =>
  typeof matcher === 'function' || (Array.isArray(matcher) && matcher.some(hasFunction))

// Every entry of the rule is compiled and tested on its own, so the report lists every failing
// claim, where the verifier's compiled policy stops at a failing pin. Function matchers keep the
// verifier's promise that they only ever see their own tenant's tokens: when a pin of the rule
// failed they are not run, and the report says so. The same holds for a deny rule when no allow
// rule matched (`gated`): the verifier never runs deny rules on a token it already refuses.
function evaluateRule(
  rule: Rule,
  kind: 'allow' | 'deny',
  index: number,
  claims: GitlabIdTokenClaims,
  gated: boolean,
): ExplainRule {
  const name = typeof rule.name === 'string' && rule.name !== '' ? rule.name : `${kind}[${index}]`
  const grants: readonly string[] =
    kind === 'allow' && Array.isArray(rule.grants) ? rule.grants : []
  const values = claims as unknown as Readonly<Record<string, unknown>>
  try {
    const entries = Object.entries(rule.match).map(([claim, matcher]) => {
      const compiled = compileMatcher(matcher, claim as ClaimName)
      const pin =
        (claim === 'iss' && typeof matcher === 'string') || isTenantPin(claim as ClaimName, matcher)
      return { claim: claim as ClaimName, matcher, compiled, pin }
    })
    const pinHeld = new Map(
      entries.filter((e) => e.pin).map((e) => [e.claim, e.compiled.test(values[e.claim], claims)]),
    )
    const pinsHold = !gated && [...pinHeld.values()].every(Boolean)
    const failures: ClaimFailure[] = []
    const notRun: string[] = []
    for (const entry of entries) {
      if (!pinsHold && !entry.pin && hasFunction(entry.matcher)) {
        notRun.push(entry.claim)
        continue
      }
      const held = pinHeld.get(entry.claim) ?? entry.compiled.test(values[entry.claim], claims)
      if (!held) {
        failures.push({
          claim: entry.claim,
          expected: entry.compiled.expected,
          actual: values[entry.claim],
        })
      }
    }
    const matched = failures.length === 0 && notRun.length === 0
    return { kind, name, matched, grants, failures, ...(notRun.length === 0 ? {} : { notRun }) }
  } catch (error) {
    return { kind, name, matched: false, grants, failures: [], error: (error as Error).message }
  }
}

/**
 * Evaluates every rule of `source`, and decides with the verifier's own compiled `policy` so the
 * outcome is exactly what `verify()` decides.
 *
 * @param unverified - mark the checks as run on unverified claims.
 *
 * @example
 * ```ts
 * const { rules, policy: check } = explainPolicy(options.policy, compiled, claims, [], false)
 * ```
 */
export function explainPolicy(
  source: Policy,
  policy: CompiledPolicy,
  claims: GitlabIdTokenClaims,
  required: readonly string[],
  unverified: boolean,
): PolicyExplanation {
  const allowRules = source.allow.map((rule, i) => evaluateRule(rule, 'allow', i, claims, false))
  const gated = !allowRules.some((rule) => rule.matched)
  const rules = [
    ...allowRules,
    ...(source.deny ?? []).map((rule, i) => evaluateRule(rule, 'deny', i, claims, gated)),
  ]
  const decision = policy.decide(claims)
  const allowCount = source.allow.length
  const check: ExplainCheck = decision.allowed
    ? {
        name: 'policy',
        status: 'pass',
        summary: `allowed by ${decision.rules.join(', ')}`,
        unverified,
      }
    : {
        name: 'policy',
        status: 'fail',
        code: 'ERR_POLICY_DENIED',
        summary:
          decision.deniedBy !== undefined
            ? `denied by deny rule ${decision.deniedBy}`
            : allowCount === 1
              ? 'the only allow rule did not match'
              : `none of the ${allowCount} allow rules matched`,
        details: { deniedBy: decision.deniedBy, reasons: decision.reasons },
        unverified,
      }
  return {
    rules,
    decision,
    policy: check,
    grants: grantsCheck(rules, decision, required, unverified),
  }
}

function grantsCheck(
  rules: readonly ExplainRule[],
  decision: PolicyDecision,
  required: readonly string[],
  unverified: boolean,
): ExplainCheck | undefined {
  if (required.length === 0) return undefined
  if (!decision.allowed) {
    return {
      name: 'grants',
      status: 'skip',
      summary: `the policy refused the token, so it has none of ${required.join(', ')}`,
      unverified,
    }
  }
  const missing = required.filter((grant) => !decision.grants.includes(grant))
  if (missing.length === 0) {
    return { name: 'grants', status: 'pass', summary: `has ${required.join(', ')}`, unverified }
  }
  // The same shape as ERR_INSUFFICIENT_SCOPE's details: which rules would have given the missing
  // grants, and why each of them failed.
  const candidates = rules
    .filter((rule) => rule.kind === 'allow' && rule.grants.some((g) => missing.includes(g)))
    .map((rule) => ({ rule: rule.name, grants: rule.grants, failures: rule.failures }))
  return {
    name: 'grants',
    status: 'fail',
    code: 'ERR_INSUFFICIENT_SCOPE',
    summary:
      `missing ${missing.join(', ')}` +
      (candidates.length === 0
        ? ' (no allow rule grants it)'
        : ` (given by ${candidates.map((c) => c.rule).join(', ')})`),
    details: { required, missing, rules: decision.rules, candidates },
    unverified,
  }
}

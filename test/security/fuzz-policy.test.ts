/**
 * Properties (2) and (3): any policy built from the policy grammar decides every claim set exactly
 * as a small reference implementation written plainly below (from the README's semantics table),
 * and globs match exactly as a backtracking reference matcher does. Seeded; `FUZZ_RUNS` raises the
 * run count.
 *
 * The reference follows issue 8: deny rules run only when an allow rule matched; a rule's entries
 * run pins first and a failed pin is the whole reason; case folding of paths is ASCII-only; an
 * array value satisfies only an array claim; matcher values are typed per claim (numbers on IDs,
 * booleans on boolean claims). Issue 9: reasons are reported also when another rule allowed.
 */

import {
  evaluatePolicy,
  type GitlabIdTokenClaims,
  type Matcher,
  type Policy,
  type Rule,
} from '@gitlab-id-token/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fuzzParameters } from './support/fuzz.js'

// ---------------------------------------------------------------------------------------------
// The reference: the semantics table, one plain function per line of it.
// ---------------------------------------------------------------------------------------------

const CASE_INSENSITIVE = new Set(['project_path', 'namespace_path', 'groups_direct'])
const ARRAY_CLAIMS = new Set(['aud', 'groups_direct'])

/** Lowers `A`–`Z` only (GitLab paths are ASCII; the Kelvin sign is not `k`). */
const fold = (text: string): string =>
  Array.from(text, (c) =>
    c >= 'A' && c <= 'Z' ? String.fromCharCode(c.charCodeAt(0) + 32) : c,
  ).join('')

/** `*` any run without `/`, `**` any run, `?` one code point other than `/`, the rest literal. */
function referenceGlob(pattern: string, text: string, ignoreCase: boolean): boolean {
  const p = Array.from(ignoreCase ? fold(pattern) : pattern)
  const s = Array.from(ignoreCase ? fold(text) : text)
  const memo = new Map<string, boolean>()
  const match = (i: number, j: number): boolean => {
    const key = `${i},${j}`
    const known = memo.get(key)
    if (known !== undefined) return known
    let result: boolean
    if (i === p.length) result = j === s.length
    else if (p[i] === '*' && p[i + 1] === '*') {
      result = false
      for (let k = j; k <= s.length && !result; k++) result = match(i + 2, k)
    } else if (p[i] === '*') {
      result = false
      for (let k = j; k <= s.length && !result; k++) {
        result = match(i + 1, k)
        if (s[k] === '/') break
      }
    } else if (p[i] === '?') result = j < s.length && s[j] !== '/' && match(i + 1, j + 1)
    else result = j < s.length && s[j] === p[i] && match(i + 1, j + 1)
    memo.set(key, result)
    return result
  }
  return match(0, 0)
}

type Fn = (value: unknown, claims: GitlabIdTokenClaims) => boolean

/** One matcher against one non-null scalar (or one element of an array claim). */
function referenceScalar(
  matcher: unknown,
  value: unknown,
  ignoreCase: boolean,
  claims: GitlabIdTokenClaims,
): boolean {
  if (Array.isArray(matcher))
    return matcher.some((m) => referenceScalar(m, value, ignoreCase, claims))
  if (typeof matcher === 'function') return (matcher as Fn)(value, claims) === true
  const text =
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
  if (typeof matcher === 'string') {
    if (typeof value === 'number') return String(value) === matcher
    if (typeof value !== 'string') return false
    return ignoreCase ? fold(value) === fold(matcher) : value === matcher
  }
  if (typeof matcher === 'number' || typeof matcher === 'boolean') {
    return value === String(matcher) || value === matcher
  }
  if (text === undefined) return false
  const object = matcher as { glob?: string; regex?: string; flags?: string }
  if (object.glob !== undefined) return referenceGlob(object.glob, text, ignoreCase)
  const flags = (object.flags ?? '').replace(/[gym]/g, '') + (ignoreCase ? 'i' : '')
  return new RegExp(`^(?:${object.regex ?? ''})$`, [...new Set(flags)].join('')).test(text)
}

/** Absent or null never matches; an array claim matches when any non-null element does. */
function referenceClaim(
  matcher: unknown,
  value: unknown,
  claim: string,
  claims: GitlabIdTokenClaims,
): boolean {
  if (value === undefined || value === null) return false
  const ignoreCase = CASE_INSENSITIVE.has(claim)
  if (Array.isArray(value)) {
    if (!ARRAY_CLAIMS.has(claim)) return false
    return value.some(
      (item) =>
        item !== undefined && item !== null && referenceScalar(matcher, item, ignoreCase, claims),
    )
  }
  return referenceScalar(matcher, value, ignoreCase, claims)
}

const PATH_PIN = new Set(['project_path', 'namespace_path'])

/** The tenant-pin rule of the README, for the claims generated here. */
function pins(claim: string, matcher: unknown): boolean {
  if (Array.isArray(matcher)) return matcher.length > 0 && matcher.every((m) => pins(claim, m))
  if (claim !== 'project_id' && claim !== 'sub' && !PATH_PIN.has(claim)) return false
  if (typeof matcher === 'string') return matcher !== ''
  if (typeof matcher === 'number') return claim === 'project_id'
  const glob = (matcher as { glob?: unknown }).glob
  if (typeof glob !== 'string') return false
  const wildcard = glob.search(/[*?]/)
  if (wildcard === -1) return glob !== ''
  const prefix = glob.slice(0, wildcard)
  if (claim === 'sub') {
    return /^(?:(?:project|job_project|source_project)_path:[^/:]+\/|(?:job_project|source_project)_id:\d+:)/.test(
      prefix,
    )
  }
  return PATH_PIN.has(claim) && /^[^/]+\//.test(prefix)
}

/** A rule's entries pins first (an exact iss would come before them; none is generated). */
const ordered = (rule: Rule): [string, unknown][] => {
  const entries = Object.entries(rule.match)
  return [...entries.filter(([c, m]) => pins(c, m)), ...entries.filter(([c, m]) => !pins(c, m))]
}

const holds = (claim: string, matcher: unknown, claims: GitlabIdTokenClaims): boolean =>
  referenceClaim(matcher, (claims as unknown as Record<string, unknown>)[claim], claim, claims)

/** The claims reported for a rule: the failed pin alone, else every failing claim. */
function failingClaims(rule: Rule, claims: GitlabIdTokenClaims): string[] {
  const entries = ordered(rule)
  const first = entries.findIndex(([claim, matcher]) => !holds(claim, matcher, claims))
  if (first === -1) return []
  const [claim, matcher] = entries[first]!
  if (pins(claim, matcher)) return [claim]
  return entries
    .slice(first)
    .filter(([c, m]) => !holds(c, m, claims))
    .map(([c]) => c)
}

function referenceDecision(policy: Policy, claims: GitlabIdTokenClaims) {
  const allowName = (rule: Rule, i: number): string => rule.name ?? `allow[${i}]`
  const matching = policy.allow.map((rule) => failingClaims(rule, claims).length === 0)
  const rules = policy.allow.flatMap((rule, i) => (matching[i] ? [allowName(rule, i)] : []))
  const failing = policy.allow.flatMap((rule, i) =>
    matching[i]
      ? []
      : [
          {
            rule: allowName(rule, i),
            grants: [...new Set(rule.grants ?? [])],
            claims: failingClaims(rule, claims),
          },
        ],
  )
  // Deny rules only run once an allow rule matched.
  const denyIndex =
    rules.length === 0
      ? -1
      : (policy.deny ?? []).findIndex((rule) => failingClaims(rule, claims).length === 0)
  if (denyIndex !== -1) {
    const deny = policy.deny?.[denyIndex]
    return {
      allowed: false,
      grants: [],
      rules,
      deniedBy: deny?.name ?? `deny[${denyIndex}]`,
      reasons: failing,
    }
  }
  const allowed = rules.length > 0
  const grants = allowed
    ? [...new Set(policy.allow.flatMap((rule, i) => (matching[i] ? (rule.grants ?? []) : [])))]
    : []
  return { allowed, grants, rules, deniedBy: undefined, reasons: failing }
}

// ---------------------------------------------------------------------------------------------
// Generators: the policy grammar and claim sets that collide with it often.
// ---------------------------------------------------------------------------------------------

const CLAIMS = [
  'project_id',
  'project_path',
  'namespace_path',
  'ref',
  'ref_protected',
  'runner_id',
  'groups_direct',
  'aud',
  'environment',
  'sub',
] as const

const unit = fc.constantFrom(
  'a',
  'b',
  'A',
  'B',
  'k',
  'K',
  '\u212A', // the Kelvin sign: Unicode folds it to k, GitLab paths never contain it
  '/',
  '-',
  '.',
  '1',
  '2',
  'é',
  'É',
  '\n',
  '😀',
)
const shortText = fc.oneof(
  fc.string({ unit, maxLength: 6 }),
  fc.constantFrom('true', 'false', '', '1', '12', 'a/b', 'A/B'),
)
const globText = fc.string({ unit: fc.oneof(unit, fc.constantFrom('*', '**', '?')), maxLength: 6 })

const FUNCTIONS: readonly Fn[] = [
  function evenLength(value) {
    return typeof value === 'string' && value.length % 2 === 0
  },
  function isNumber(value) {
    return typeof value === 'number'
  },
  function sameAsRef(value, claims) {
    return value === claims.ref
  },
  function truthyNotTrue(value) {
    return (Boolean(value) as unknown) === 'yes' // never literally true: must never match
  },
]

const textual: fc.Arbitrary<Matcher>[] = [
  shortText,
  globText.map((glob) => ({ glob })),
  fc.record(
    {
      regex: fc.constantFrom('a+', '[ab]*', 'a|b', '.', '\\d+', 'A.*', '.*\\/.*', '(?:true|false)'),
      flags: fc.constantFrom('', 'i', 'm', 'g', 'y', 'u'),
    },
    { requiredKeys: ['regex'] },
  ),
  fc.constantFrom(...FUNCTIONS),
]

// Values are typed per claim (issue 8): numbers only on ID and numeric claims; a boolean claim
// takes only true/false/'true'/'false'/'' or a function.
const NUMERIC = new Set(['project_id', 'runner_id'])
function scalarMatcherFor(claim: (typeof CLAIMS)[number]): fc.Arbitrary<Matcher> {
  if (claim === 'ref_protected') {
    return fc.oneof(
      fc.boolean(),
      fc.constantFrom('true', 'false', ''),
      fc.constantFrom(...FUNCTIONS),
    )
  }
  return fc.oneof(...textual, ...(NUMERIC.has(claim) ? [fc.integer({ min: 0, max: 20 })] : []))
}

const matcherFor = (claim: (typeof CLAIMS)[number]): fc.Arbitrary<Matcher> =>
  fc.oneof(
    { weight: 4, arbitrary: scalarMatcherFor(claim) },
    { weight: 1, arbitrary: fc.array(scalarMatcherFor(claim), { minLength: 1, maxLength: 3 }) },
  )

const rule: fc.Arbitrary<Rule> = fc
  .record(
    {
      name: fc.constantFrom('r1', 'r2', 'r3'),
      claims: fc.uniqueArray(fc.constantFrom(...CLAIMS), { minLength: 1, maxLength: 3 }),
      grants: fc.array(fc.constantFrom('g1', 'g2', 'g3'), { maxLength: 3 }),
    },
    { requiredKeys: ['claims'] },
  )
  .chain(({ claims, ...rest }) =>
    fc.tuple(...claims.map((claim) => matcherFor(claim))).map((matchers) => ({
      ...rest,
      match: Object.fromEntries(claims.map((claim, i) => [claim, matchers[i]])),
    })),
  )

const policy: fc.Arbitrary<Policy> = fc.record(
  {
    allow: fc.array(rule, { minLength: 1, maxLength: 3 }),
    deny: fc.array(rule, { maxLength: 2 }),
  },
  { requiredKeys: ['allow'] },
)

const claimValue = fc.oneof(
  { weight: 4, arbitrary: shortText },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant({ provider: 'a' }) },
  {
    weight: 2,
    arbitrary: fc.array(fc.oneof(shortText, fc.integer({ min: 0, max: 20 }), fc.constant(null)), {
      maxLength: 3,
    }),
  },
)

const claims = fc
  .record(Object.fromEntries(CLAIMS.map((claim) => [claim, claimValue])), { requiredKeys: [] })
  .map((record) => record as unknown as GitlabIdTokenClaims)

// ---------------------------------------------------------------------------------------------

describe('fuzz: policy engine vs a plain reference', () => {
  it('any policy from the grammar decides any claim set exactly as the reference', () => {
    fc.assert(
      fc.property(policy, claims, (p, c) => {
        const actual = evaluatePolicy(p, c, { allowAnyProject: true })
        const expected = referenceDecision(p, c)
        expect({
          allowed: actual.allowed,
          grants: actual.grants,
          rules: actual.rules,
          deniedBy: actual.deniedBy,
          reasons: actual.reasons.map((r) => ({
            rule: r.rule,
            grants: r.grants,
            claims: r.failures.map((f) => f.claim),
          })),
        }).toEqual(expected)
      }),
      fuzzParameters,
    )
  })

  it('deciding twice gives the same answer (no regex or scratch state leaks between calls)', () => {
    fc.assert(
      fc.property(policy, claims, claims, (p, first, second) => {
        const once = evaluatePolicy(p, first, { allowAnyProject: true })
        evaluatePolicy(p, second, { allowAnyProject: true })
        expect(evaluatePolicy(p, first, { allowAnyProject: true })).toEqual(once)
      }),
      fuzzParameters,
    )
  })
})

describe('fuzz: glob matching vs a backtracking reference', () => {
  const path = fc.string({
    unit: fc.constantFrom('a', 'b', 'A', 'k', '\u212A', '/', '.', '-', '*', '?', '😀', '\n'),
    maxLength: 10,
  })
  const glob = fc.string({
    unit: fc.constantFrom('a', 'b', 'A', 'K', 'k', '\u212A', '/', '.', '-', '*', '?', '😀'),
    maxLength: 8,
  })

  for (const [claim, ignoreCase] of [
    ['ref', false],
    ['project_path', true],
  ] as const) {
    it(`${claim} (${ignoreCase ? 'case-insensitive' : 'case-sensitive'}): { glob } matches exactly when the reference does`, () => {
      fc.assert(
        fc.property(glob, path, (pattern, text) => {
          const decision = evaluatePolicy(
            { allow: [{ match: { [claim]: { glob: pattern } } }] },
            { [claim]: text } as unknown as GitlabIdTokenClaims,
            { allowAnyProject: true },
          )
          expect(decision.allowed).toBe(referenceGlob(pattern, text, ignoreCase))
        }),
        fuzzParameters,
      )
    })
  }
})

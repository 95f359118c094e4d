/**
 * Compiles one claim's {@link Matcher} into a predicate, once, when the policy is configured.
 *
 * @module
 */

import { asciiLower } from './ascii-fold.js'
import type { ClaimName, GitlabIdTokenClaims } from './claims.js'
import { GitlabIdTokenError } from './errors.js'
import { compileGlob } from './glob.js'
import { assertValueFits, policyError as invalid, targetOf } from './matcher-value-types.js'
import type { MatcherTarget as Target } from './matcher-value-types.js'
import type { Matcher } from './policy-types.js'

/** Tests one claim's value (as the token carried it: scalar, array, object, `null` or absent). */
export type ClaimPredicate = (value: unknown, claims: GitlabIdTokenClaims) => boolean

/** A compiled matcher: the predicate and a printable description for denial reasons. */
export interface CompiledMatcher {
  readonly test: ClaimPredicate
  /** e.g. `"42"`, `42`, `true`, `glob "platform/**"`, `regex /^v\d+$/`, `any of [...]`. */
  readonly expected: string
}

interface Part {
  /** Tests one non-null scalar value or one element of an array claim. */
  readonly test: ClaimPredicate
  readonly expected: string
}

/**
 * Compiles `matcher` for the claim `claim`. Validation happens here, so a policy that compiles
 * cannot fail later on its shape.
 *
 * - A claim that is absent or `null` never matches (and no function is called for it).
 * - An array claim (`aud`, `groups_direct`, `user_identities`) matches when any element does; a
 *   function matcher is called once per element. Any other claim carrying an array never matches:
 *   `ref_protected: ["false", "true"]` is not a value GitLab signs.
 * - Path claims in `CASE_INSENSITIVE_CLAIMS` compare ignoring ASCII case: strings and globs fold
 *   `A`–`Z` only (the Kelvin sign `K` is not `k`); regexes get the `i` flag, whose folding is
 *   JavaScript's (Unicode under `u`/`v`).
 * - A numeric claim (`runner_id`) is compared through its decimal string by string, glob and regex
 *   matchers. Objects (`job_config`, `user_identities` elements) match only through functions.
 * - Values are typed by the claim (see `assertValueFits`): a number only on ID, numeric and time
 *   claims; boolean claims take only `true`, `false`, `'true'`, `'false'`, `''` or a function.
 *
 * @param matcher - the matcher as written in the policy.
 * @param claim - the claim it applies to (selects case sensitivity).
 * @param at - where the matcher sits, for error messages. Default: the claim name.
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` for a malformed matcher, an empty array, an
 *   invalid regex or a value of the wrong type for the claim.
 *
 * @example
 * ```ts
 * const { test, expected } = compileMatcher(['platform', { glob: 'platform/**' }], 'namespace_path')
 * test('Platform/Infra', claims) // true
 * expected // 'any of ["platform", glob "platform/**"]'
 * ```
 */
export function compileMatcher(
  matcher: Matcher,
  claim: ClaimName,
  at: string = claim,
): CompiledMatcher {
  const target = targetOf(claim, at)
  const part = compilePart(matcher, target)
  const element = part.test
  const { array } = target
  const test: ClaimPredicate = (value, claims) => {
    if (value === undefined || value === null) return false
    if (!Array.isArray(value)) return element(value, claims)
    if (!array) return false
    for (const item of value as readonly unknown[]) {
      if (item !== undefined && item !== null && element(item, claims)) return true
    }
    return false
  }
  return Object.freeze({ test, expected: part.expected })
}

function compilePart(matcher: unknown, target: Target): Part {
  const { ci, at } = target
  if (!Array.isArray(matcher)) assertValueFits(matcher, target)
  switch (typeof matcher) {
    case 'string':
      return exact(matcher, ci)
    case 'number':
      return numeric(matcher, at)
    case 'boolean': {
      const text = String(matcher)
      // GitLab sends booleans as the strings "true"/"false" (spec §7).
      return { test: (v) => v === text || v === matcher, expected: text }
    }
    case 'function': {
      const fn = matcher as (value: unknown, claims: GitlabIdTokenClaims) => unknown
      // Only a literal `true` allows: a function returning a truthy non-boolean is a bug, fail closed.
      return {
        test: (v, claims) => fn(v, claims) === true,
        expected: `function ${fn.name || '(anonymous)'}`,
      }
    }
    case 'object':
      if (matcher === null) break
      if (Array.isArray(matcher)) return anyOf(matcher as readonly unknown[], target)
      if (matcher instanceof RegExp) return regex(matcher.source, matcher.flags, ci, at)
      return objectMatcher(matcher as Record<string, unknown>, ci, at)
  }
  throw invalid(
    at,
    `a matcher is a string, number, boolean, { glob }, { regex, flags }, RegExp, function or an array of those, got ${describeValue(matcher)}`,
  )
}

function exact(text: string, ci: boolean): Part {
  const expected = JSON.stringify(text)
  if (!ci) {
    return { test: (v) => v === text || (typeof v === 'number' && String(v) === text), expected }
  }
  const lower = asciiLower(text)
  return {
    test: (v) =>
      typeof v === 'string' ? asciiLower(v) === lower : typeof v === 'number' && String(v) === text,
    expected,
  }
}

function numeric(n: number, at: string): Part {
  // A YAML `project_id: 12345678901234567` silently becomes another ID; make the author quote it.
  if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) {
    throw invalid(at, `${String(n)} is not a safe number; write the ID as a string`)
  }
  const text = String(n)
  return { test: (v) => v === text || v === n, expected: text }
}

function anyOf(list: readonly unknown[], target: Target): Part {
  const { at } = target
  if (list.length === 0) {
    throw invalid(
      at,
      'an empty matcher array matches nothing; list at least one value or remove the claim',
    )
  }
  const parts = list.map((item, i) => compilePart(item, { ...target, at: `${at}[${i}]` }))
  const expected = `any of [${parts.map((p) => p.expected).join(', ')}]`
  if (parts.length === 1 && parts[0]) return { test: parts[0].test, expected }
  const tests = parts.map((p) => p.test)
  return {
    test: (v, claims) => {
      for (const t of tests) if (t(v, claims)) return true
      return false
    },
    expected,
  }
}

function objectMatcher(object: Record<string, unknown>, ci: boolean, at: string): Part {
  const keys = Object.keys(object)
  if (keys.length === 1 && keys[0] === 'glob') {
    if (typeof object.glob !== 'string')
      throw invalid(at, `glob must be a string, got ${describeValue(object.glob)}`)
    return textual(
      compileGlob(object.glob, { caseInsensitive: ci }),
      `glob ${JSON.stringify(object.glob)}`,
    )
  }
  if (keys.includes('regex') && keys.every((k) => k === 'regex' || k === 'flags')) {
    const { regex: source, flags = '' } = object
    if (typeof source !== 'string')
      throw invalid(at, `regex must be a string, got ${describeValue(source)}`)
    if (typeof flags !== 'string')
      throw invalid(at, `flags must be a string, got ${describeValue(flags)}`)
    return regex(source, flags, ci, at)
  }
  throw invalid(
    at,
    `an object matcher is { glob } or { regex, flags? }, got ${describeValue(object)}`,
  )
}

function regex(source: string, flags: string, ci: boolean, at: string): Part {
  // `g`/`y` make `test()` stateful through `lastIndex`; a policy must answer the same every time.
  // `m` would let ^/$ match at line breaks, so a "full match" could match one line of the value.
  let effective = flags.replace(/[gmy]/g, '')
  if (ci && !effective.includes('i')) effective += 'i'
  let compiled: RegExp
  try {
    // Validate the source alone: wrapped in a group, `a)|(b` would turn into a valid pattern.
    new RegExp(source, effective)
    // Anchors, not `(?<![\s\S])…(?![\s\S])` lookarounds: under the `u`/`v` flags V8 lets those
    // match between the two halves of a surrogate pair, so an empty-matching regex would accept
    // any value containing an emoji.
    compiled = new RegExp(`^(?:${source})$`, effective)
  } catch (cause) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      `policy ${at}: invalid regex /${source}/${flags}: ${(cause as Error).message}`,
      { cause },
    )
  }
  return textual(compiled, `regex /${source}/${flags}`)
}

function textual(re: { readonly test: (text: string) => boolean }, expected: string): Part {
  return {
    test: (v) => (typeof v === 'string' ? re.test(v) : typeof v === 'number' && re.test(String(v))),
    expected,
  }
}

/**
 * A short description of a bad value's type for config error messages (never the whole value).
 *
 * @example
 * ```ts
 * describeValue({ globb: 'a/**' }) // 'an object with keys globb'
 * describeValue(null)              // 'null'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') {
    const keys = Object.keys(value)
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`
  }
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : typeof value
}

/**
 * Which matcher values a claim accepts: the claim table's `type` decides, so a value YAML or a
 * tired author typed wrongly fails at startup instead of silently matching something else.
 *
 * - YAML reads `ref: 2024.10` as the number `2024.1`: a number only goes on ID, numeric and time
 *   claims, everywhere else it is an error asking for a quoted string.
 * - GitLab sends booleans as `"true"`/`"false"` and `""` when unknown (`jwt.rb`, spec §7); YAML 1.2
 *   reads `yes` as the string `"yes"`, which no boolean claim ever carries. A boolean claim takes
 *   only those three values (as booleans or strings) and functions; a boolean matcher only goes
 *   on a boolean claim.
 * - A claim with a closed value set (`ref_type`: `branch`, `tag`) takes only those strings.
 *
 * @module
 */

import { CLAIMS } from './claims.js'
import type { ClaimName, ClaimType } from './claims.js'
import { GitlabIdTokenError } from './errors.js'

/**
 * What a matcher is compiled for: the claim, its table row's facts, and the matcher's location.
 *
 * @example
 * ```ts
 * const target: MatcherTarget = targetOf('ref_protected', 'allow[0].match.ref_protected')
 * ```
 */
export interface MatcherTarget {
  readonly claim: ClaimName
  readonly type: ClaimType
  /** ASCII case-insensitive (GitLab paths). */
  readonly ci: boolean
  /** An array claim: an array value matches when any element does. */
  readonly array: boolean
  /** Where the matcher sits, for error messages. */
  readonly at: string
  /** Every value GitLab sends, for claims with a closed set (`ref_type`). */
  readonly values?: readonly string[]
}

// Claims a number matcher can mean: an ID (`project_id: 42` for GitLab's "42"), `runner_id`, times.
const NUMERIC_TYPES: ReadonlySet<ClaimType> = new Set<ClaimType>(['id', 'number', 'numeric-date'])
const GITLAB_BOOLEANS: ReadonlySet<string> = new Set(['true', 'false', ''])

/**
 * The {@link MatcherTarget} of `claim`, from the claim table.
 *
 * @param claim - a known claim name.
 * @param at - the matcher's location, e.g. `allow[0].match.ref`.
 *
 * @example
 * ```ts
 * targetOf('project_path', 'allow[0].match.project_path').ci // true
 * ```
 */
export function targetOf(claim: ClaimName, at: string): MatcherTarget {
  const row = CLAIMS[claim]
  return {
    claim,
    type: row.type,
    ci: row.caseInsensitive,
    array: row.array,
    at,
    ...(row.values === undefined ? {} : { values: row.values }),
  }
}

/**
 * Throws unless the scalar matcher `matcher` (not a list) fits the claim's type. Functions fit
 * every claim; malformed matchers are left to the compiler, which names the allowed shapes.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` saying what to write instead.
 *
 * @example
 * ```ts
 * assertValueFits(2024.1, targetOf('ref', 'allow[0].match.ref')) // throws: quote the value
 * assertValueFits('yes', targetOf('ref_protected', 'allow[0].match.ref_protected')) // throws
 * ```
 */
export function assertValueFits(matcher: unknown, target: MatcherTarget): void {
  const { claim, type, at } = target
  const boolean = type === 'boolean'
  if (typeof matcher === 'function') return
  if (typeof matcher === 'string') {
    if (boolean && !GITLAB_BOOLEANS.has(matcher)) throw notBoolean(target)
    if (target.values !== undefined && !target.values.includes(matcher)) {
      throw policyError(
        at,
        `${JSON.stringify(matcher)} is never a value of ${claim}; GitLab sends ` +
          target.values.map((v) => JSON.stringify(v)).join(', '),
      )
    }
  } else if (typeof matcher === 'number') {
    if (boolean) throw notBoolean(target)
    if (!NUMERIC_TYPES.has(type)) {
      throw policyError(
        at,
        `the number ${String(matcher)} on ${claim}, a ${type} claim: write the value as a ` +
          `quoted string (YAML reads ref: 2024.10 as the number 2024.1)`,
      )
    }
  } else if (typeof matcher === 'boolean') {
    if (!boolean) {
      throw policyError(
        at,
        `${String(matcher)} is a boolean, but ${claim} is a ${type} claim: quote it ` +
          `('${String(matcher)}') if you mean the text`,
      )
    }
  } else if (boolean && typeof matcher === 'object' && matcher !== null) {
    throw notBoolean(target) // globs and regexes: a boolean has three values, list them
  }
}

function notBoolean(target: MatcherTarget): GitlabIdTokenError {
  return policyError(
    target.at,
    `${target.claim} is a GitLab boolean ("true", "false" or "" when unknown): write true, ` +
      `false or '' (or a function); YAML 1.1 words such as yes/no/on/off are not booleans in YAML 1.2`,
  )
}

/**
 * The config error for the matcher at `at`.
 *
 * @example
 * ```ts
 * throw policyError('allow[0].match.ref', 'an empty matcher array matches nothing')
 * ```
 */
export function policyError(at: string, problem: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', `policy ${at}: ${problem}`)
}

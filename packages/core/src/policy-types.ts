/**
 * The declarative policy language: types only.
 *
 * @module
 */

import type {
  ClaimName,
  ClaimTypeOf,
  ClaimValues,
  GitlabBoolean,
  GitlabIdTokenClaims,
} from './claims.js'

/**
 * A claim value as it appears in a verified token.
 *
 * @example
 * ```ts
 * const value: ClaimValue = claims.runner_id // number | null | undefined
 * ```
 */
export type ClaimValue = GitlabIdTokenClaims[ClaimName]

/**
 * How one claim is matched. See the package README's table for the exact semantics:
 *
 * - `string`: exact (case-insensitive for path claims); also matches a numeric claim equal to it.
 * - `number`: the claim's decimal string or the equal JSON number (`project_id: 42` matches `"42"`).
 * - `boolean`: GitLab's `"true"` / `"false"` strings (and JSON booleans).
 * - `{ glob }`: `*` any run without `/`, `**` any run including `/`, `?` one character without `/`.
 * - `{ regex }` or a `RegExp`: full match, compiled once.
 * - a function `(value, claims) => boolean`, called once per element of an array claim.
 * - an array of matchers: any of them.
 *
 * A claim that is absent or `null` never matches. An array claim (`aud`, `groups_direct`) matches
 * when any element does.
 *
 * @example
 * ```ts
 * const m: Matcher = ['platform', { glob: 'platform/**' }] // a group and its subgroups
 * ```
 */
export type Matcher =
  | string
  | number
  | boolean
  | RegExp
  | { readonly glob: string }
  | { readonly regex: string; readonly flags?: string }
  | ((value: unknown, claims: GitlabIdTokenClaims) => boolean)
  | readonly Matcher[]

/**
 * The matchers a claim with a closed value set accepts: its values (a typo such as `'brnch'` does
 * not compile), globs, regexes, functions and lists of them.
 *
 * @example
 * ```ts
 * const m: EnumMatcher<'branch' | 'tag'> = ['branch', 'tag']
 * ```
 */
export type EnumMatcher<V extends string> =
  | V
  | RegExp
  | { readonly glob: string }
  | { readonly regex: string; readonly flags?: string }
  | ((value: unknown, claims: GitlabIdTokenClaims) => boolean)
  | readonly EnumMatcher<V>[]

/**
 * The matchers a {@link GitlabBoolean} claim accepts: `true` / `false`, GitLab's strings (`''`
 * matches the "unknown" value), functions and lists; `'yes'` does not compile.
 *
 * @example
 * ```ts
 * const m: BooleanMatcher = true // matches "true"
 * ```
 */
export type BooleanMatcher =
  | boolean
  | GitlabBoolean
  | ((value: unknown, claims: GitlabIdTokenClaims) => boolean)
  | readonly BooleanMatcher[]

/**
 * The matcher type of one claim, derived from the claim table: {@link BooleanMatcher} for
 * `ref_protected` and `environment_protected`, {@link EnumMatcher} for claims with a closed value
 * set (`ref_type`, `deployment_tier`, `project_visibility`, `runner_environment`), otherwise any
 * {@link Matcher}.
 *
 * @example
 * ```ts
 * const m: ClaimMatcher<'ref_type'> = 'tag'
 * ```
 */
export type ClaimMatcher<K extends ClaimName> = [ClaimValues<K>] extends [never]
  ? ClaimTypeOf<K> extends 'boolean'
    ? BooleanMatcher
    : Matcher
  : EnumMatcher<ClaimValues<K>>

/**
 * One allow or deny rule: every `match` entry must hold (AND).
 *
 * @example
 * ```ts
 * const rule: Rule = { name: 'staging', match: { namespace_id: '1234', environment: 'staging' }, grants: ['deploy:staging'] }
 * ```
 */
export interface Rule {
  /** Shown in `result.rules` and in denial reasons; defaults to `allow[i]` / `deny[i]`. */
  readonly name?: string
  /** Claim name → matcher (typed per claim, see {@link ClaimMatcher}); all must match. */
  readonly match: { readonly [K in ClaimName]?: ClaimMatcher<K> }
  /** Grants given when this allow rule matches (ignored on deny rules). */
  readonly grants?: readonly string[]
}

/**
 * A claim policy. Allow rules OR together; any matching deny rule wins.
 *
 * Every allow rule must pin a tenant (a project, group, config URI or `sub` prefix) unless
 * `allowAnyProject` is set: on a shared instance such as gitlab.com anyone can mint a token with
 * your audience.
 *
 * @example
 * ```ts
 * const policy: Policy = {
 *   allow: [{ name: 'deploy', match: { project_id: '42', ref_protected: true }, grants: ['deploy'] }],
 *   deny: [{ match: { pipeline_source: 'merge_request_event' } }],
 * }
 * ```
 */
export interface Policy {
  readonly allow: readonly Rule[]
  readonly deny?: readonly Rule[]
}

/**
 * Why one claim of one rule did not match.
 *
 * @example
 * ```ts
 * // { claim: 'ref_protected', expected: 'true', actual: 'false' }
 * ```
 */
export interface ClaimFailure {
  readonly claim: ClaimName
  /** A printable description of the matcher (e.g. `"42"`, `glob "platform/**"`, `regex /^v/`). */
  readonly expected: string
  /** The claim's value as the token carried it (`undefined` when absent). */
  readonly actual: unknown
}

/**
 * The failed claims of one allow rule.
 *
 * @example
 * ```ts
 * // { rule: 'prod-deploy', failures: [{ claim: 'environment', expected: '"production"', actual: 'staging' }] }
 * ```
 */
export interface RuleReason {
  /** The rule's name, or `allow[i]`. */
  readonly rule: string
  /** The grants this rule would have given (deduplicated, in the policy's order). */
  readonly grants: readonly string[]
  readonly failures: readonly ClaimFailure[]
}

/**
 * The outcome of evaluating a policy against a claim set.
 *
 * @example
 * ```ts
 * const { allowed, grants, reasons } = evaluatePolicy(policy, claims)
 * ```
 */
export interface PolicyDecision {
  readonly allowed: boolean
  /** Union of the grants of every matching allow rule; empty when denied. */
  readonly grants: readonly string[]
  /** Names (or `allow[i]`) of the matching allow rules. */
  readonly rules: readonly string[]
  /** The name (or `deny[i]`) of the first matching deny rule, when one matched. */
  readonly deniedBy?: string
  /** For every allow rule that did not match, which claims failed. */
  readonly reasons: readonly RuleReason[]
}

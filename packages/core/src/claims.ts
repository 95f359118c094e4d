/**
 * The one table of claim knowledge, and the lists derived from it.
 *
 * Sources: GitLab `lib/gitlab/ci/jwt.rb`, `lib/gitlab/ci/jwt_v2.rb`, `claim_mapper.rb`; see
 * `shared/research/gitlab-id-token-spec.md` §7 and `gitlab-fidelity.md` §1.
 *
 * {@link CLAIMS} is the one table of claim knowledge: every list the library uses (the policy's
 * known claims, case rules, tenant pins, the JSON Schema enum, the mock's version profiles) is
 * derived from it, so adding a claim means one row here and its value type on
 * {@link GitlabIdTokenClaims} (`claim-set.ts`); the compiler refuses either alone.
 *
 * @module
 */

import type { GitlabIdTokenClaims } from './claim-set.js'

export type { GitlabBoolean, GitlabIdTokenClaims } from './claim-set.js'

/**
 * A claim name the policy language knows (see {@link CLAIM_NAMES}).
 *
 * @example
 * ```ts
 * const claim: ClaimName = 'project_id'
 * ```
 */
export type ClaimName = keyof GitlabIdTokenClaims

/**
 * The JSON shape of a claim's value: `id` is a decimal string (GitLab calls `.to_s` on every ID
 * but `runner_id`), `boolean` a {@link GitlabBoolean} string, `numeric-date` RFC 7519 seconds,
 * `audience` a string or an array of strings.
 *
 * @example
 * ```ts
 * const type: ClaimType = claimType('project_id') // 'id'
 * ```
 */
export type ClaimType =
  | 'string'
  | 'id'
  | 'boolean'
  | 'number'
  | 'numeric-date'
  | 'audience'
  | 'string[]'
  | 'object'
  | 'object[]'

/**
 * What a claim names when a policy pins it: a project or group by ID or path, the config file's
 * project, the `sub` prefix, or the instance (`iss`, which scopes issuers but pins no tenant).
 *
 * @example
 * ```ts
 * const pin: PinKind | undefined = CLAIMS.namespace_path.pin // 'path'
 * ```
 */
export type PinKind = 'id' | 'path' | 'config-uri' | 'sub' | 'issuer'

/**
 * When GitLab puts a claim in the token (from the version in `since` on):
 *
 * - `always`: every token; `nullable`: the key is always there, the value may be JSON `null`;
 * - `environment`: only for jobs with an `environment:`; `runner`: only once a runner is assigned;
 * - `flag`: only behind an ops feature flag; `user-setting`: only when the user opted in;
 * - `policy-job`: only for jobs a pipeline execution policy injected;
 * - `config-source`: depends on the version and the pipeline's config source (repository,
 *   external project, remote, Auto DevOps, policy): JSON `null` (16.x), absent (17.0–18.8) or a
 *   synthesised value (newest);
 * - `unconfirmed`: documented by GitLab but not seen in its code; never emitted by the mock.
 *
 * @example
 * ```ts
 * CLAIMS.groups_direct.presence // 'flag'
 * ```
 */
export type ClaimPresence =
  | 'always'
  | 'nullable'
  | 'environment'
  | 'runner'
  | 'flag'
  | 'user-setting'
  | 'policy-job'
  | 'config-source'
  | 'unconfirmed'

/**
 * One row of the claim table.
 *
 * @example
 * ```ts
 * const row: ClaimDescriptor = { type: 'id', caseInsensitive: false, pin: 'id', array: false, since: '15.7', presence: 'always' }
 * ```
 */
export interface ClaimDescriptor {
  readonly type: ClaimType
  /** GitLab `Route` paths are unique ignoring case (`route.rb`), so path claims compare so. */
  readonly caseInsensitive: boolean
  /** Absent: a matcher on this claim never pins a tenant. */
  readonly pin?: PinKind
  /** An array claim matches when any element does. */
  readonly array: boolean
  /** First GitLab version whose ID tokens carry it (`15.7` for the original set); absent: unknown. */
  readonly since?: string
  readonly presence: ClaimPresence
  /** Every value GitLab can send, for claims with a closed set; policies naming another fail to compile. */
  readonly values?: readonly string[]
}

const TABLE = {
  iss:                   { type: 'string', caseInsensitive: false, pin: 'issuer', array: false, since: '15.7', presence: 'always' },
  sub:                   { type: 'string', caseInsensitive: false, pin: 'sub', array: false, since: '15.7', presence: 'always' },
  aud:                   { type: 'audience', caseInsensitive: false, array: true, since: '15.7', presence: 'always' },
  exp:                   { type: 'numeric-date', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  iat:                   { type: 'numeric-date', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  nbf:                   { type: 'numeric-date', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  jti:                   { type: 'string', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  namespace_id:          { type: 'id', caseInsensitive: false, pin: 'id', array: false, since: '15.7', presence: 'always' },
  namespace_path:        { type: 'string', caseInsensitive: true, pin: 'path', array: false, since: '15.7', presence: 'always' },
  project_id:            { type: 'id', caseInsensitive: false, pin: 'id', array: false, since: '15.7', presence: 'always' },
  project_path:          { type: 'string', caseInsensitive: true, pin: 'path', array: false, since: '15.7', presence: 'always' },
  job_project_id:        { type: 'id', caseInsensitive: false, pin: 'id', array: false, since: '18.4', presence: 'always' },
  job_project_path:      { type: 'string', caseInsensitive: true, pin: 'path', array: false, since: '18.4', presence: 'always' },
  job_namespace_id:      { type: 'id', caseInsensitive: false, pin: 'id', array: false, since: '18.4', presence: 'always' },
  job_namespace_path:    { type: 'string', caseInsensitive: true, pin: 'path', array: false, since: '18.4', presence: 'always' },
  source_project_id:     { type: 'id', caseInsensitive: false, array: false, presence: 'unconfirmed' },
  source_project_path:   { type: 'string', caseInsensitive: true, array: false, presence: 'unconfirmed' },
  source_namespace_id:   { type: 'id', caseInsensitive: false, array: false, presence: 'unconfirmed' },
  source_namespace_path: { type: 'string', caseInsensitive: true, array: false, presence: 'unconfirmed' },
  user_id:               { type: 'id', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  user_login:            { type: 'string', caseInsensitive: false, array: false, since: '15.7', presence: 'nullable' },
  user_email:            { type: 'string', caseInsensitive: false, array: false, since: '15.7', presence: 'nullable' },
  user_access_level:     { type: 'string', caseInsensitive: false, array: false, since: '16.9', presence: 'nullable' },
  user_identities:       { type: 'object[]', caseInsensitive: false, array: true, since: '16.0', presence: 'user-setting' },
  groups_direct:         { type: 'string[]', caseInsensitive: true, array: true, since: '16.11', presence: 'flag' },
  pipeline_id:           { type: 'id', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  pipeline_source:       { type: 'string', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  job_id:                { type: 'id', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  job_source:            { type: 'string', caseInsensitive: false, array: false, since: '18.9', presence: 'always' },
  job_config:            { type: 'object', caseInsensitive: false, array: false, since: '18.9', presence: 'policy-job' },
  ref:                   { type: 'string', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  ref_type:              { type: 'string', caseInsensitive: false, array: false, since: '15.7', presence: 'always', values: ['branch', 'tag'] },
  ref_path:              { type: 'string', caseInsensitive: false, array: false, since: '16.0', presence: 'nullable' },
  ref_protected:         { type: 'boolean', caseInsensitive: false, array: false, since: '15.7', presence: 'always' },
  environment:           { type: 'string', caseInsensitive: false, array: false, since: '15.7', presence: 'environment' },
  environment_protected: { type: 'boolean', caseInsensitive: false, array: false, since: '15.7', presence: 'environment' },
  deployment_tier:       { type: 'string', caseInsensitive: false, array: false, since: '15.7', presence: 'environment', values: ['production', 'staging', 'testing', 'development', 'other'] },
  environment_action:    { type: 'string', caseInsensitive: false, array: false, since: '16.5', presence: 'environment' },
  runner_id:             { type: 'number', caseInsensitive: false, array: false, since: '16.0', presence: 'runner' },
  runner_environment:    { type: 'string', caseInsensitive: false, array: false, since: '16.0', presence: 'runner', values: ['gitlab-hosted', 'self-hosted'] },
  sha:                   { type: 'string', caseInsensitive: false, array: false, since: '16.0', presence: 'always' },
  project_visibility:    { type: 'string', caseInsensitive: false, array: false, since: '16.3', presence: 'always', values: ['public', 'internal', 'private'] },
  ci_config_ref_uri:     { type: 'string', caseInsensitive: false, pin: 'config-uri', array: false, since: '16.2', presence: 'config-source' },
  ci_config_sha:         { type: 'string', caseInsensitive: false, array: false, since: '16.2', presence: 'config-source' },
} as const satisfies Record<ClaimName, ClaimDescriptor> // prettier-ignore

/**
 * The claim table, in GitLab's payload order (`JSONWebToken::Token#payload`). Facts and sources:
 * `shared/research/gitlab-fidelity.md` §1. `since` is the ID-token version (15.7) for claims the
 * legacy `CI_JOB_JWT` already had.
 *
 * @example
 * ```ts
 * CLAIMS.project_path // { type: 'string', caseInsensitive: true, pin: 'path', array: false, since: '15.7', presence: 'always' }
 * ```
 */
export const CLAIMS: Readonly<Record<ClaimName, ClaimDescriptor>> = deepFreeze(TABLE)

/**
 * The closed set of values a claim can take (`never` for open claims), as the table types it.
 *
 * @example
 * ```ts
 * const type: ClaimValues<'ref_type'> = 'tag' // 'branch' | 'tag'
 * ```
 */
export type ClaimValues<K extends ClaimName> = (typeof TABLE)[K] extends {
  readonly values: readonly (infer V extends string)[]
}
  ? V
  : never

/**
 * The {@link ClaimType} of one claim, as the table types it.
 *
 * @example
 * ```ts
 * const type: ClaimTypeOf<'ref_protected'> = 'boolean'
 * ```
 */
export type ClaimTypeOf<K extends ClaimName> = (typeof TABLE)[K]['type']

/**
 * Every claim name a policy may match on: GitLab's ID-token claims plus the registered ones. A
 * rule naming anything else is a configuration error, which catches typos.
 *
 * @example
 * ```ts
 * CLAIM_NAMES.includes('project_id') // true
 * ```
 */
export const CLAIM_NAMES: readonly ClaimName[] = Object.freeze(Object.keys(TABLE) as ClaimName[])

const where = (test: (row: ClaimDescriptor) => boolean): ReadonlySet<ClaimName> =>
  new Set(CLAIM_NAMES.filter((name) => test(CLAIMS[name])))

/**
 * GitLab paths are case-insensitive; these claims are compared ignoring case.
 *
 * @example
 * ```ts
 * CASE_INSENSITIVE_CLAIMS.has('namespace_path') // true
 * ```
 */
export const CASE_INSENSITIVE_CLAIMS: ReadonlySet<ClaimName> = where((row) => row.caseInsensitive)

/**
 * Claims whose value is a decimal ID string: a number matcher (`project_id: 42`) compares with it.
 *
 * @example
 * ```ts
 * ID_CLAIMS.has('pipeline_id') // true; runner_id is a JSON number, not an ID string
 * ```
 */
export const ID_CLAIMS: ReadonlySet<ClaimName> = where((row) => row.type === 'id')

/**
 * Claims GitLab sends as `"true"` / `"false"` strings (`""` when unknown).
 *
 * @example
 * ```ts
 * BOOLEAN_CLAIMS.has('ref_protected') // true
 * ```
 */
export const BOOLEAN_CLAIMS: ReadonlySet<ClaimName> = where((row) => row.type === 'boolean')

/**
 * Claims whose value may be an array, matched element by element.
 *
 * @example
 * ```ts
 * ARRAY_CLAIMS.has('aud') // true: `aud` is a string or an array, as the job wrote it
 * ```
 */
export const ARRAY_CLAIMS: ReadonlySet<ClaimName> = where((row) => row.array)

/**
 * The JSON type of a claim, or `undefined` for a name that is not a claim.
 *
 * @example
 * ```ts
 * claimType('runner_id') // 'number'
 * claimType('nope')      // undefined
 * ```
 */
export function claimType(name: ClaimName): ClaimType
export function claimType(name: string): ClaimType | undefined
export function claimType(name: string): ClaimType | undefined {
  return Object.hasOwn(TABLE, name) ? CLAIMS[name as ClaimName].type : undefined
}

function deepFreeze<T extends object>(value: T): T {
  for (const item of Object.values(value)) if (typeof item === 'object') deepFreeze(item)
  return Object.freeze(value)
}

/**
 * The claim set of a GitLab CI/CD ID token, typed exactly as GitLab sends it.
 *
 * Sources: GitLab `lib/gitlab/ci/jwt.rb`, `lib/gitlab/ci/jwt_v2.rb`, `claim_mapper.rb`; see
 * `shared/research/gitlab-id-token-spec.md` §7.
 *
 * @module
 */

/**
 * GitLab sends booleans as the strings `"true"` / `"false"`, and `""` when the value is unknown.
 *
 * @example
 * ```ts
 * claims.ref_protected === 'true' // never compare with the boolean true
 * ```
 */
export type GitlabBoolean = 'true' | 'false' | ''

/**
 * The claims of a GitLab CI/CD ID token. IDs are decimal **strings** (except `runner_id`, a
 * number); booleans are {@link GitlabBoolean} strings; `aud` is a string or an array, as the job's
 * `id_tokens:` entry wrote it. Claims GitLab added in later versions are optional, and several are
 * `null` on some versions.
 *
 * @example
 * ```ts
 * const { claims } = await verifier.verify(token)
 * claims.project_id // "42" — a string, as GitLab sends it
 * claims.ref_protected === 'true'
 * ```
 */
export interface GitlabIdTokenClaims {
  readonly iss: string
  /** Default form `project_path:{path}:ref_type:{branch|tag}:ref:{ref}`; configurable per project. */
  readonly sub: string
  readonly aud: string | readonly string[]
  readonly exp: number
  readonly iat: number
  readonly nbf: number
  readonly jti?: string

  readonly namespace_id: string
  readonly namespace_path: string
  /** For merge-request pipelines from forks this is the fork (GitLab 18.2.2+); see `job_project_id`. */
  readonly project_id: string
  readonly project_path: string
  /** The project the job ran in (GitLab 18.4+). */
  readonly job_project_id?: string
  readonly job_project_path?: string
  readonly job_namespace_id?: string
  readonly job_namespace_path?: string
  readonly source_project_id?: string
  readonly source_project_path?: string
  readonly source_namespace_id?: string
  readonly source_namespace_path?: string

  readonly user_id: string
  /** Mutable: never authorise on it alone. */
  readonly user_login: string | null
  /** Mutable: never authorise on it alone. */
  readonly user_email: string | null
  readonly user_access_level?: string | null
  readonly user_identities?: readonly { readonly provider: string; readonly extern_uid: string }[]
  /** Present only behind a feature flag and for users in ≤ 200 groups; direct memberships only. */
  readonly groups_direct?: readonly string[]

  readonly pipeline_id: string
  readonly pipeline_source: string
  readonly job_id: string
  readonly job_source?: string
  readonly job_config?: { readonly url: string; readonly sha: string }
  readonly ref: string
  readonly ref_type: 'branch' | 'tag' | (string & {})
  readonly ref_path?: string | null
  readonly ref_protected: GitlabBoolean

  readonly environment?: string
  /** Always `"false"` on GitLab CE. */
  readonly environment_protected?: GitlabBoolean
  readonly deployment_tier?: string
  readonly environment_action?: string

  /** The only numeric ID claim. */
  readonly runner_id?: number | null
  readonly runner_environment?: 'gitlab-hosted' | 'self-hosted' | (string & {})
  readonly sha?: string
  readonly project_visibility?: 'public' | 'internal' | 'private' | (string & {})
  readonly ci_config_ref_uri?: string | null
  readonly ci_config_sha?: string | null
}

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
 * Every claim name a policy may match on: GitLab's ID-token claims (spec §7) plus the registered
 * ones. A rule naming anything else is a configuration error, which catches typos.
 *
 * @example
 * ```ts
 * CLAIM_NAMES.includes('project_id') // true
 * ```
 */
export const CLAIM_NAMES: readonly ClaimName[] = Object.freeze([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'namespace_id',
  'namespace_path',
  'project_id',
  'project_path',
  'job_project_id',
  'job_project_path',
  'job_namespace_id',
  'job_namespace_path',
  'source_project_id',
  'source_project_path',
  'source_namespace_id',
  'source_namespace_path',
  'user_id',
  'user_login',
  'user_email',
  'user_access_level',
  'user_identities',
  'groups_direct',
  'pipeline_id',
  'pipeline_source',
  'job_id',
  'job_source',
  'job_config',
  'ref',
  'ref_type',
  'ref_path',
  'ref_protected',
  'environment',
  'environment_protected',
  'deployment_tier',
  'environment_action',
  'runner_id',
  'runner_environment',
  'sha',
  'project_visibility',
  'ci_config_ref_uri',
  'ci_config_sha',
] satisfies ClaimName[])

/** GitLab paths are case-insensitive; these claims are compared ignoring case. */
export const CASE_INSENSITIVE_CLAIMS: ReadonlySet<ClaimName> = new Set<ClaimName>([
  'project_path',
  'namespace_path',
  'job_project_path',
  'job_namespace_path',
  'source_project_path',
  'source_namespace_path',
  'groups_direct',
])

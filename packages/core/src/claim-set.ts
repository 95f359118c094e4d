/**
 * The claim set of a GitLab CI/CD ID token, typed exactly as GitLab sends it. Each claim also has
 * a row in the claim table (`claims.ts`), which a type test keeps in agreement with these types.
 *
 * Sources: GitLab `lib/gitlab/ci/jwt.rb`, `lib/gitlab/ci/jwt_v2.rb`, `claim_mapper.rb`; see
 * `shared/research/gitlab-id-token-spec.md` §7 and `gitlab-fidelity.md` §1.
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
  /** The user's role in `project_*` (the fork, for fork MR pipelines); `null` without membership. */
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
  /** Describes the project the job ran in (`job_project_*`), not `project_*`. */
  readonly project_visibility?: 'public' | 'internal' | 'private' | (string & {})
  /**
   * `{host}/{job project}//{config path}@{ref_path}`: names the project the job ran in and the
   * pipeline's source ref. A fork branch called `main` yields the parent's `main` value, so this
   * never proves a protected branch alone. `null` or absent for non-repository configs on
   * GitLab 16.x–18.8.
   */
  readonly ci_config_ref_uri?: string | null
  readonly ci_config_sha?: string | null
}

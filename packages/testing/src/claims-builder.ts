/**
 * Builds a CI/CD ID-token claim set the way GitLab fills it (`lib/gitlab/ci/jwt.rb`,
 * `jwt_v2.rb`; research spec §4–§8 and §12), so that every derived claim agrees with the inputs.
 *
 * @module
 */

import { createHash, randomUUID } from 'node:crypto'

/**
 * Claims to set on a token. Anything here wins over the derived value, verbatim and with its JSON
 * type (so `ref_protected: true` produces a wrongly typed boolean, on purpose); `undefined` removes
 * the claim; `null` keeps it as JSON `null`. The inputs `project_path`, `ref`, `ref_type`,
 * `environment`, `user_login`, `job_project_path`, … also drive the claims derived from them.
 */
export type ClaimOverrides = Readonly<Record<string, unknown>>

/** A built claim set (JSON object). */
export type Claims = Record<string, unknown>

/** Context of {@link buildCiClaims} that does not come from the claims themselves. */
export interface CiClaimsContext {
  /** The `iss` string. */
  readonly issuer: string
  /** Milliseconds since the epoch. */
  readonly now: number
  /** `exp - iat` in seconds (GitLab: the job timeout). */
  readonly expiresIn: number
  /** `aud` when the overrides have none. */
  readonly audience: string | readonly string[]
  /** A counter that makes `pipeline_id` and `job_id` distinct per minted job. Default `1`. */
  readonly sequence?: number
}

/** GitLab sends `iat - 5` as `nbf` (`NOT_BEFORE_TIME = 5` in `lib/gitlab/ci/jwt.rb`). */
export const NOT_BEFORE_SECONDS = 5

/**
 * A deterministic decimal ID for a name, so the same `project_path` always yields the same
 * `project_id` (GitLab paths are case-insensitive, so the name is lowercased first).
 *
 * @example
 * ```ts
 * stableId('project', 'acme/widget') === stableId('project', 'ACME/widget') // true, 8 digits
 * ```
 */
export function stableId(kind: string, name: string, digits = 8): string {
  const hash = createHash('sha256').update(`${kind}:${name.toLowerCase()}`).digest()
  const low = 10n ** BigInt(digits - 1)
  return (low + (hash.readBigUInt64BE(0) % (9n * low))).toString()
}

/**
 * `Settings.build_server_fqdn`: host, port unless default, relative URL root, no scheme (spec §8).
 *
 * @example
 * ```ts
 * serverFqdn('https://gitlab.example.com:8443/gitlab') // 'gitlab.example.com:8443/gitlab'
 * ```
 */
export function serverFqdn(issuer: string): string {
  if (!URL.canParse(issuer)) return issuer.replace(/\/+$/, '')
  const url = new URL(issuer)
  return `${url.host}${url.pathname.replace(/\/+$/, '')}`
}

/**
 * GitLab's `Environment#guess_tier`: the tier a job gets when it names no `deployment_tier`.
 *
 * @example
 * ```ts
 * guessDeploymentTier('review/feature-1') // 'development'
 * ```
 */
export function guessDeploymentTier(environment: string): string {
  if (/(dev|review|trunk)/i.test(environment)) return 'development'
  if (/(test|tst|int|ac(ce|)pt|qa|qc|control|quality)/i.test(environment)) return 'testing'
  if (/(st(a|)g|mod(e|)l|pre|demo|non)/i.test(environment)) return 'staging'
  if (/(pr(o|)d|live)/i.test(environment)) return 'production'
  return 'other'
}

const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : fallback

const dirname = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')))

/**
 * Applies overrides on top of derived claims: present keys win (even `null`), `undefined` deletes.
 * Derived claims keep GitLab's order; unknown overrides are appended.
 *
 * @example
 * ```ts
 * applyOverrides({ a: 1, b: 2 }, { b: undefined, c: null }) // { a: 1, c: null }
 * ```
 */
export function applyOverrides(derived: Claims, overrides: ClaimOverrides): Claims {
  const merged: Claims = { ...derived }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[name]
    else merged[name] = value
  }
  return merged
}

/**
 * Builds a complete, internally consistent CI/CD ID-token claim set.
 *
 * Derivations (all overridable): `sub` = `project_path:{project_path}:ref_type:{ref_type}:ref:{ref}`;
 * `ref_path` = `refs/heads/{ref}` or `refs/tags/{ref}`; `namespace_path` = the project path's
 * parent; IDs are stable hashes of their paths (decimal strings); `job_project_*` mirror
 * `project_*`; `ref_protected` is `"true"` for `main`/`master` branches (GitLab protects the
 * default branch) else `"false"`; the four environment claims appear only with `environment`;
 * `ci_config_ref_uri` = `{fqdn}/{project_path}//.gitlab-ci.yml@{ref_path}`; `runner_environment` is
 * `gitlab-hosted` only when the issuer is gitlab.com; `nbf = iat - 5`, `exp = iat + expiresIn`;
 * `jti` a random UUID v4.
 *
 * @example
 * ```ts
 * const claims = buildCiClaims({ project_path: 'acme/widget', ref: 'v1.2.0', ref_type: 'tag' },
 *   { issuer: 'https://gitlab.com', now: Date.now(), expiresIn: 3600, audience: 'https://api.example' })
 * claims.sub // 'project_path:acme/widget:ref_type:tag:ref:v1.2.0'
 * ```
 */
export function buildCiClaims(overrides: ClaimOverrides, context: CiClaimsContext): Claims {
  const o = overrides
  const projectPath = text(o.project_path, 'my-group/my-project')
  const namespacePath = text(o.namespace_path, dirname(projectPath))
  const projectId = text(o.project_id, stableId('project', projectPath))
  const namespaceId = text(o.namespace_id, stableId('namespace', namespacePath))
  const jobProjectPath = text(o.job_project_path, projectPath)
  const sameProject = jobProjectPath.toLowerCase() === projectPath.toLowerCase()
  const jobNamespacePath = text(o.job_namespace_path, dirname(jobProjectPath))
  const ref = text(o.ref, 'main')
  const refType = text(o.ref_type, 'branch')
  const refPath = text(o.ref_path, refType === 'tag' ? `refs/tags/${ref}` : `refs/heads/${ref}`)
  const userLogin = text(o.user_login, 'jdoe')
  const sequence = context.sequence ?? 1
  const sha = text(o.sha, createHash('sha1').update(`${projectPath}@${refPath}`).digest('hex'))
  const iat = Math.floor(context.now / 1000)
  const environment = typeof o.environment === 'string' ? o.environment : undefined
  const pipelineSource = text(o.pipeline_source, 'push')
  const fqdn = serverFqdn(context.issuer)
  const gitlabHosted = fqdn === 'gitlab.com'

  const derived: Claims = {
    project_id: projectId,
    project_path: projectPath,
    namespace_id: namespaceId,
    namespace_path: namespacePath,
    user_id: stableId('user', userLogin),
    user_login: userLogin,
    user_email: `${userLogin}@example.com`,
    user_access_level: 'maintainer',
    job_project_id: sameProject ? projectId : stableId('project', jobProjectPath),
    job_project_path: jobProjectPath,
    job_namespace_id: sameProject ? namespaceId : stableId('namespace', jobNamespacePath),
    job_namespace_path: jobNamespacePath,
    pipeline_id: String(1_400_000_000 + sequence),
    pipeline_source: pipelineSource,
    job_id: String(7_400_000_000 + sequence),
    ref,
    ref_type: refType,
    ref_path: refPath,
    ref_protected: refType === 'branch' && (ref === 'main' || ref === 'master') ? 'true' : 'false',
    ...(environment === undefined
      ? {}
      : {
          environment,
          // GitLab CE always sends "false"; only EE computes protection (spec §7).
          environment_protected: 'false',
          deployment_tier: guessDeploymentTier(environment),
          environment_action: 'start',
        }),
    job_source: pipelineSource,
    runner_id: gitlabHosted ? 12270852 : 42,
    runner_environment: gitlabHosted ? 'gitlab-hosted' : 'self-hosted',
    sha,
    project_visibility: 'private',
    ci_config_ref_uri: `${fqdn}/${projectPath}//.gitlab-ci.yml@${refPath}`,
    ci_config_sha: sha,
    jti: randomUUID(),
    iat,
    nbf: iat - NOT_BEFORE_SECONDS,
    exp: iat + context.expiresIn,
    iss: context.issuer,
    sub: `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`,
    aud: context.audience,
  }
  return applyOverrides(derived, overrides)
}

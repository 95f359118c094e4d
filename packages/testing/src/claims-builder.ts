/**
 * Builds a CI/CD ID-token claim set the way GitLab fills it (`lib/gitlab/ci/jwt.rb`,
 * `jwt_v2.rb`, `claim_mapper.rb`; research `gitlab-fidelity.md` §1, §3), so that every derived
 * claim agrees with the inputs and with the chosen GitLab version and config source.
 *
 * @module
 */

import { createHash, randomUUID } from 'node:crypto'

import { CLAIMS } from '@gitlab-id-token/core'
import type { ClaimName, GitlabIdTokenClaims } from '@gitlab-id-token/core'

import {
  applyOverrides,
  dirname,
  guessDeploymentTier,
  serverFqdn,
  stableId,
  text,
} from './claim-helpers.js'
import type { ClaimOverrides, Claims } from './claim-helpers.js'
import {
  claimAvailability,
  compareGitlabVersions,
  hasForkSemantics,
  LATEST_GITLAB_VERSION,
} from './gitlab-version.js'
import type { ConfigSource, FeatureFlags } from './gitlab-version.js'
import { buildSub, DEFAULT_SUB_COMPONENTS } from './sub-claim.js'
import type { SubComponent } from './sub-claim.js'

export { guessDeploymentTier, serverFqdn }
export type { ClaimOverrides, Claims }

/**
 * A built CI claim set: typed as the verifier returns claims, so
 * `evaluatePolicy(policy, gitlab.buildClaims(…))` type-checks, and open to any other member.
 * Overrides are not type-checked: `ref_protected: true` still produces a JSON boolean.
 *
 * @example
 * ```ts
 * const claims: CiClaims = gitlab.buildClaims({ project_path: 'acme/widget' })
 * evaluatePolicy(policy, claims).allowed
 * ```
 */
export type CiClaims = GitlabIdTokenClaims & Claims

/**
 * What GitLab version and project settings the claims come from; every member has a default.
 *
 * @example
 * ```ts
 * const profile: ClaimProfile = { gitlabVersion: '17.5', configSource: 'external_project' }
 * ```
 */
export interface ClaimProfile {
  /** Emit exactly what this version emits (see the README's version table). Default {@link LATEST_GITLAB_VERSION}. */
  readonly gitlabVersion?: string
  /** Where the pipeline's YAML came from. Default `'repository'`. */
  readonly configSource?: ConfigSource
  /**
   * The project's CI/CD configuration path (`ci_config_path_or_default`). Default
   * `.gitlab-ci.yml`; for `external_project` `.gitlab-ci.yml@{namespace}/ci-templates`, for
   * `remote` `https://ci.example.com/pipeline.yml`.
   */
  readonly ciConfigPath?: string
  readonly featureFlags?: FeatureFlags
  /** The project's `ci_id_token_sub_claim_components`. Default `['project_path', 'ref_type', 'ref']`. */
  readonly subComponents?: readonly SubComponent[]
}

/** Context of {@link buildCiClaims} that does not come from the claims themselves. */
export interface CiClaimsContext extends ClaimProfile {
  /** The `iss` string (`ci_id_tokens.issuer_url`, or the instance URL). */
  readonly issuer: string
  /**
   * `Settings.gitlab.url`: the `ci_config_ref_uri` host and `runner_environment` come from it,
   * never from an overridden issuer. Default: `issuer`.
   */
  readonly instanceUrl?: string
  /** Milliseconds since the epoch. */
  readonly now: number
  /** `exp - iat` in seconds (see `tokenLifetime`). */
  readonly expiresIn: number
  /** `aud` when the overrides have none. */
  readonly audience: string | readonly string[]
  /** A counter that makes `pipeline_id` and `job_id` distinct per minted job. Default `1`. */
  readonly sequence?: number
}

/** GitLab sends `iat - 5` as `nbf` (`NOT_BEFORE_TIME = 5` in `lib/gitlab/ci/jwt.rb`). */
export const NOT_BEFORE_SECONDS = 5

const DEFAULT_CONFIG_PATH: Readonly<Record<ConfigSource, (namespace: string) => string>> = {
  repository: () => '.gitlab-ci.yml',
  external_project: (namespace) => `.gitlab-ci.yml@${namespace}/ci-templates`,
  remote: () => 'https://ci.example.com/pipeline.yml',
  auto_devops: () => '.gitlab-ci.yml',
  policy: () => '.gitlab-ci.yml',
}

const IDENTITY = ['project_id', 'project_path', 'namespace_id', 'namespace_path'] as const

const tooOld = (name: string, version: string): boolean => {
  const since = Object.hasOwn(CLAIMS, name) ? CLAIMS[name as ClaimName].since : undefined
  return since !== undefined && compareGitlabVersions(version, since) < 0
}

/**
 * Builds a complete, internally consistent CI/CD ID-token claim set. Derivations (all
 * overridable): `sub` from `subComponents`; `ref_path` from `ref`; `namespace_path` the project
 * path's parent; IDs stable hashes of their paths; `job_project_*` mirror `project_*` unless
 * `job_project_path` names another project, which models a fork merge request run in the parent
 * (`project_*`, `sub` and `user_access_level` describe the fork; `job_project_*`,
 * `project_visibility` and `ci_config_ref_uri` the parent). `ref_protected` is `"true"` for
 * `main`/`master` branch pipelines only. Claims `gitlabVersion` does not have are removed, even
 * when given: they still drive the derivation.
 *
 * @example
 * ```ts
 * const claims = buildCiClaims({ project_path: 'acme/widget', ref: 'v1.2.0', ref_type: 'tag' },
 *   { issuer: 'https://gitlab.com', now: Date.now(), expiresIn: 3600, audience: 'https://api.example' })
 * claims.sub // 'project_path:acme/widget:ref_type:tag:ref:v1.2.0'
 * ```
 */
export function buildCiClaims(overrides: ClaimOverrides, context: CiClaimsContext): CiClaims {
  const o = overrides
  const version = context.gitlabVersion ?? LATEST_GITLAB_VERSION
  const configSource = context.configSource ?? 'repository'
  const forkPath = text(o.project_path, 'my-group/my-project')
  const jobProjectPath = text(o.job_project_path, forkPath)
  const fork = jobProjectPath.toLowerCase() !== forkPath.toLowerCase()
  // Before 18.2.2 every claim of a fork MR pipeline named the parent (issue 561735).
  const parentOnly = fork && !hasForkSemantics(version)
  const projectPath = parentOnly ? jobProjectPath : forkPath
  const namespacePath = parentOnly
    ? dirname(projectPath)
    : text(o.namespace_path, dirname(projectPath))
  const projectId = parentOnly
    ? stableId('project', projectPath)
    : text(o.project_id, stableId('project', projectPath))
  const namespaceId = parentOnly
    ? stableId('namespace', namespacePath)
    : text(o.namespace_id, stableId('namespace', namespacePath))
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
  const pipelineSource = text(o.pipeline_source, fork ? 'merge_request_event' : 'push')
  const fqdn = serverFqdn(context.instanceUrl ?? context.issuer)
  const gitlabHosted = fqdn === 'gitlab.com'
  const configPath = context.ciConfigPath ?? DEFAULT_CONFIG_PATH[configSource](namespacePath)
  const availability = (name: ClaimName) =>
    claimAvailability(name, { ...context, gitlabVersion: version })
  const configUri = availability('ci_config_ref_uri')
  const policyJob = configSource === 'policy'

  const derived: Claims = {
    project_id: projectId,
    project_path: projectPath,
    namespace_id: namespaceId,
    namespace_path: namespacePath,
    user_id: stableId('user', userLogin),
    user_login: userLogin,
    user_email: `${userLogin}@example.com`,
    // `project.team.human_max_access` on the source project: the parent member who ran a fork's
    // MR pipeline is usually no member of the fork.
    user_access_level: fork && !parentOnly ? null : 'maintainer',
    ...(availability('groups_direct') === 'present' ? { groups_direct: [namespacePath] } : {}),
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
    // `build.protected`: an MR pipeline runs on refs/merge-requests/…, which no rule protects.
    ref_protected:
      refType === 'branch' &&
      pipelineSource !== 'merge_request_event' &&
      (ref === 'main' || ref === 'master')
        ? 'true'
        : 'false',
    ...(environment === undefined
      ? {}
      : {
          environment,
          // GitLab CE always sends "false"; only EE computes protection (spec §7).
          environment_protected: 'false',
          deployment_tier: guessDeploymentTier(environment),
          environment_action: 'start',
        }),
    job_source: policyJob ? 'pipeline_execution_policy' : pipelineSource,
    ...(policyJob
      ? {
          job_config: {
            url: `${context.instanceUrl ?? context.issuer}/${namespacePath}/security-policies/-/blob/${sha}/.gitlab/security-policies/policy.yml`,
            sha,
          },
        }
      : {}),
    runner_id: gitlabHosted ? 12270852 : 42,
    runner_environment: gitlabHosted ? 'gitlab-hosted' : 'self-hosted',
    sha,
    // The job project's (`build.project`), not `project_*`: a fork's MR pipeline runs in a parent
    // that is usually public.
    project_visibility: fork ? 'public' : 'private',
    // ProjectConfig is built for the job project (jwt_v2.rb) and the pipeline's source ref.
    ...(configUri === 'absent' || configUri === 'flag'
      ? {}
      : configUri === 'null'
        ? { ci_config_ref_uri: null, ci_config_sha: null }
        : {
            ci_config_ref_uri: `${fqdn}/${jobProjectPath}//${configPath}@${refPath}`,
            ci_config_sha: sha,
          }),
    jti: randomUUID(),
    iat,
    nbf: iat - NOT_BEFORE_SECONDS,
    exp: iat + context.expiresIn,
    iss: context.issuer,
    sub: '',
    aud: context.audience,
  }
  const sourceFacts = {
    source_project_path: forkPath,
    source_project_id: stableId('project', forkPath),
  }
  derived.sub = buildSub(context.subComponents ?? DEFAULT_SUB_COMPONENTS, {
    ...derived,
    ...sourceFacts,
    ...o,
    ...(parentOnly ? { project_path: projectPath } : {}),
  })
  const given = parentOnly ? omit(o, IDENTITY) : o
  const claims = applyOverrides(derived, given)
  for (const name of Object.keys(claims)) if (tooOld(name, version)) delete claims[name]
  return claims as CiClaims
}

function omit(record: ClaimOverrides, names: readonly string[]): ClaimOverrides {
  return Object.fromEntries(Object.entries(record).filter(([name]) => !names.includes(name)))
}

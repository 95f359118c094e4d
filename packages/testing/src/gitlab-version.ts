/**
 * Which claims each GitLab version puts in an ID token, and how the pipeline's config source
 * changes `ci_config_ref_uri` / `ci_config_sha`, derived from core's claim table (`CLAIMS`: each
 * row's `since` and `presence`). Sources: `shared/research/gitlab-fidelity.md` §1, §3.
 *
 * @module
 */

import { CLAIMS, CLAIM_NAMES } from '@gitlab-id-token/core'
import type { ClaimName } from '@gitlab-id-token/core'

/**
 * Where the pipeline's configuration came from (`Ci::ProjectConfig` sources): the project's own
 * file, a file in another project (`ci.yml@group/project`), a URL, Auto DevOps, or a pipeline
 * execution policy.
 *
 * @example
 * ```ts
 * const source: ConfigSource = 'external_project'
 * ```
 */
export type ConfigSource = 'repository' | 'external_project' | 'remote' | 'auto_devops' | 'policy'

/**
 * GitLab feature flags that change the claim set, by their GitLab names; all default off, as on
 * GitLab.
 *
 * @example
 * ```ts
 * const flags: FeatureFlags = { ci_jwt_groups_direct: true }
 * ```
 */
export interface FeatureFlags {
  /** `groups_direct` from 17.3 on (`config/feature_flags/ops/ci_jwt_groups_direct.yml`). */
  readonly ci_jwt_groups_direct?: boolean
  /** 18.9's synthesised `ci_config_ref_uri` for non-repository configs (`gitlab_com_derisk`). */
  readonly default_jwt_ci_config_ref_uri?: boolean
}

/**
 * The newest behaviour modelled: the ClaimMapper read after 18.9 (`claim_mapper.rb` @`3919ad72`),
 * which synthesises `ci_config_ref_uri` for every config source. Its release is unconfirmed;
 * 18.10 stands for "newer than 18.9".
 *
 * @example
 * ```ts
 * createMockGitlab({ gitlabVersion: LATEST_GITLAB_VERSION }) // the default
 * ```
 */
export const LATEST_GITLAB_VERSION = '18.10'

/** Versions where something other than a new claim changes (`since` values add the rest). */
const BEHAVIOUR_CHANGES = {
  /** `ClaimMapper` returns `{}` instead of nil values for non-repository configs. */
  configAbsent: '17.0',
  /** `groups_direct` moves behind the ops flag `ci_jwt_groups_direct`. */
  groupsDirectFlag: '17.3',
  /** Fork MR pipelines: `project_*` and `sub` describe the fork (issue 561735). */
  forkSemantics: '18.2.2',
  /** The `default_jwt_ci_config_ref_uri` flag (default off). */
  configFlag: '18.9',
  /** `ci_config_ref_uri` synthesised for every config source. */
  configAlways: LATEST_GITLAB_VERSION,
} as const

const parse = (version: string): number[] => {
  if (!/^\d+\.\d+(?:\.\d+)?$/.test(version)) {
    throw new TypeError(`gitlabVersion must look like "17.3" or "18.2.2", got "${version}"`)
  }
  return version.split('.').map(Number)
}

/**
 * Compares two GitLab versions (`major.minor[.patch]`): negative, zero or positive.
 *
 * @example
 * ```ts
 * compareGitlabVersions('18.2.2', '18.10') < 0 // true
 * ```
 */
export function compareGitlabVersions(a: string, b: string): number {
  const [x, y] = [parse(a), parse(b)]
  for (let i = 0; i < 3; i += 1) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}

const atLeast = (version: string, since: string): boolean =>
  compareGitlabVersions(version, since) >= 0

/**
 * Whether `version` describes fork MR pipelines with the fork in `project_*` and `sub` (18.2.2+);
 * before, every claim named the parent project.
 *
 * @example
 * ```ts
 * hasForkSemantics('18.2.1') // false
 * ```
 */
export function hasForkSemantics(version: string): boolean {
  return atLeast(version, BEHAVIOUR_CHANGES.forkSemantics)
}

/**
 * How a claim appears in tokens of one version and config source:
 * `present` (subject to its table `presence`: environment, runner…), `null`, `synthesised`
 * (`ci_config_ref_uri` built from the project's config path although the YAML came from
 * elsewhere), `flag` (only with the feature flag), or `absent`.
 *
 * @example
 * ```ts
 * const p: ClaimAvailability = claimAvailability('ci_config_ref_uri', { gitlabVersion: '16.5', configSource: 'remote' }) // 'null'
 * ```
 */
export type ClaimAvailability = 'present' | 'null' | 'synthesised' | 'flag' | 'absent'

/** The inputs of {@link claimAvailability}. */
export interface VersionProfileOptions {
  /** Default {@link LATEST_GITLAB_VERSION}. */
  readonly gitlabVersion?: string
  /** Default `'repository'`. */
  readonly configSource?: ConfigSource
  readonly featureFlags?: FeatureFlags
}

/**
 * How `name` appears in a token of `options.gitlabVersion` for `options.configSource`, from the
 * claim table's `since` and `presence`. Claims GitLab documents but whose code was not seen
 * (`presence: 'unconfirmed'`) are `absent`.
 *
 * @example
 * ```ts
 * claimAvailability('job_project_id', { gitlabVersion: '18.3' })                        // 'absent'
 * claimAvailability('ci_config_ref_uri', { gitlabVersion: '17.11', configSource: 'remote' }) // 'absent'
 * claimAvailability('groups_direct', { gitlabVersion: '17.3' })                        // 'flag'
 * ```
 */
export function claimAvailability(
  name: ClaimName,
  options: VersionProfileOptions = {},
): ClaimAvailability {
  const version = options.gitlabVersion ?? LATEST_GITLAB_VERSION
  const { since, presence } = CLAIMS[name]
  if (since === undefined || presence === 'unconfirmed' || !atLeast(version, since)) return 'absent'
  const flags = options.featureFlags ?? {}
  if (presence === 'flag') {
    if (!atLeast(version, BEHAVIOUR_CHANGES.groupsDirectFlag)) return 'present'
    return flags.ci_jwt_groups_direct === true ? 'present' : 'flag'
  }
  if (presence !== 'config-source' || (options.configSource ?? 'repository') === 'repository') {
    return 'present'
  }
  // claim_mapper.rb: nil values (16.x), then `{}` (17.0–18.8), then a synthesised URI (18.9 behind
  // `default_jwt_ci_config_ref_uri`, newest always): "nil ci_config_ref_uri causes Fulcio to crash".
  if (!atLeast(version, BEHAVIOUR_CHANGES.configAbsent)) return 'null'
  if (atLeast(version, BEHAVIOUR_CHANGES.configAlways)) return 'synthesised'
  if (atLeast(version, BEHAVIOUR_CHANGES.configFlag) && flags.default_jwt_ci_config_ref_uri) {
    return 'synthesised'
  }
  return 'absent'
}

/**
 * Every version where the claim set changes, oldest first: the table's `since` values plus the
 * behaviour changes above. These are the columns of the testing README's version table.
 *
 * @example
 * ```ts
 * GITLAB_VERSIONS[0] // '15.7', the first with `id_tokens:`
 * ```
 */
export const GITLAB_VERSIONS: readonly string[] = Object.freeze(
  [
    ...new Set([
      ...CLAIM_NAMES.flatMap((name) => CLAIMS[name].since ?? []),
      BEHAVIOUR_CHANGES.configAbsent,
      BEHAVIOUR_CHANGES.groupsDirectFlag,
      BEHAVIOUR_CHANGES.configAlways,
    ]),
  ].sort(compareGitlabVersions),
)

/**
 * Turns a job of a `.gitlab-ci.yml` into the ID tokens GitLab would hand it: one token per
 * `id_tokens:` entry (`Ci::Build#id_tokens_variables`), each with its own `aud` and `jti` and the
 * same job claims.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import { readJob } from './ci-config.js'
import { expandVariables, predefinedVariables, resolveVariables } from './ci-variables.js'
import type { ClaimOverrides, Claims, ClaimProfile } from './claims-builder.js'
import { guessDeploymentTier } from './claims-builder.js'
import type { Timeouts } from './lifetime.js'

/**
 * How one job's tokens are minted besides their claims: the clock, the lifetime and the GitLab
 * profile (version, config source, `sub` components), each defaulting to the mock's.
 *
 * @example
 * ```ts
 * const options: JobMintOptions = { gitlabVersion: '17.11', runnerMaxTimeout: 1800 }
 * ```
 */
export interface JobMintOptions extends ClaimProfile, Timeouts {
  /** Milliseconds since the epoch. Default: the mock's clock. */
  readonly now?: number
  /** `exp - iat` in seconds, verbatim. Default: from the timeouts (the job's `timeout:` first). */
  readonly expiresIn?: number
}

/**
 * What GitLab would know about the pipeline: claim overrides (`project_path`, `ref`, `ref_type`,
 * `environment`, `pipeline_source`, … — they win over the file), plus project/pipeline
 * `variables` (they win over the file's `variables:`) and the {@link JobMintOptions}.
 */
export type MintForJobContext = ClaimOverrides &
  JobMintOptions & {
    /** Project, group or pipeline variables available to `aud: $VAR`. */
    readonly variables?: Readonly<Record<string, string>>
  }

/** How {@link mintTokensForJob} builds and signs claims (the mock provides both). */
export interface JobTokenMinter {
  /** The GitLab URL predefined variables such as `CI_SERVER_URL` are derived from. */
  readonly issuer: string
  build(overrides: ClaimOverrides, options: JobMintOptions): Claims
  sign(claims: Claims): string
}

const CONTEXT_ONLY: ReadonlySet<string> = new Set([
  'variables', 'now', 'expiresIn', 'jobTimeout', 'projectTimeout', 'runnerMaxTimeout',
  'gitlabVersion', 'configSource', 'ciConfigPath', 'featureFlags', 'subComponents',
] satisfies (keyof MintForJobContext)[]) // prettier-ignore

/**
 * Mints `{ VAR_NAME: token }` for `jobName`'s `id_tokens:`. The job's `timeout:` sets `exp - iat`
 * (capped by `runnerMaxTimeout`). `aud` (a string or a list) is expanded
 * against predefined, file, and context variables, as GitLab 16.1+ does; an unknown variable
 * expands to `""`. Every token of the job shares `job_id`, `pipeline_id`, `iat`; each has its own
 * `jti`. A job without `id_tokens:` gets `{}`.
 *
 * @example
 * ```ts
 * const { VAULT_ID_TOKEN } = gitlab.mintForJob(ciYaml, 'deploy', { project_path: 'acme/widget' })
 * ```
 */
export function mintTokensForJob(
  ciYaml: string,
  jobName: string,
  context: MintForJobContext,
  minter: JobTokenMinter,
): Record<string, string> {
  const job = readJob(ciYaml, jobName)
  const overrides: Record<string, unknown> = {}
  const options: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(context)) {
    if (name === 'variables') continue
    if (CONTEXT_ONLY.has(name)) options[name] = value
    else overrides[name] = value
  }
  const mintOptions: JobMintOptions = {
    ...(options as JobMintOptions),
    ...(job.timeoutSeconds === undefined || 'jobTimeout' in context
      ? {}
      : { jobTimeout: job.timeoutSeconds }),
  }
  const variablesFor = (claims: Claims): Record<string, string> =>
    resolveVariables([
      predefinedVariables(claims, jobName, minter.issuer),
      ...job.variableLayers,
      context.variables ?? {},
    ])

  let base = minter.build(overrides, mintOptions)
  if (job.environment !== undefined && !('environment' in context)) {
    // Environment names may use variables (`review/$CI_COMMIT_REF_SLUG`), expanded before minting.
    const name = expandVariables(job.environment.name, variablesFor(base))
    base = minter.build(
      {
        environment: name,
        environment_action: job.environment.action ?? 'start',
        deployment_tier: job.environment.deploymentTier ?? guessDeploymentTier(name),
        ...overrides,
      },
      mintOptions,
    )
  }
  const variables = variablesFor(base)
  const tokens: Record<string, string> = {}
  for (const { name, aud } of job.idTokens) {
    const expanded =
      typeof aud === 'string'
        ? expandVariables(aud, variables)
        : aud.map((item) => expandVariables(item, variables))
    const jti = 'jti' in overrides ? base.jti : randomUUID()
    tokens[name] = minter.sign({ ...base, jti, aud: expanded })
  }
  return tokens
}

/**
 * How long a CI/CD ID token lives: `exp = iat + build.timeout_value`, or `iat + 300` when the
 * build has no timeout (`lib/gitlab/ci/jwt.rb`: `DEFAULT_EXPIRE_TIME = 60 * 5`). The timeout is
 * the job's own (else the project's), capped by the runner's maximum (`Ci::BuildMetadata`:
 * `[(job_timeout || project_timeout), runner_timeout].compact.min_by(&:value)`).
 *
 * @module
 */

/**
 * The timeouts that decide `exp - iat`, in seconds; `null` or absent means "not set".
 *
 * @example
 * ```ts
 * const timeouts: Timeouts = { projectTimeout: 3600, jobTimeout: 5400, runnerMaxTimeout: 1800 }
 * ```
 */
export interface Timeouts {
  /** The job's `timeout:` keyword. */
  readonly jobTimeout?: number | null
  /** The project's CI/CD timeout (GitLab's default is one hour). */
  readonly projectTimeout?: number | null
  /** The runner's maximum job timeout. */
  readonly runnerMaxTimeout?: number | null
}

/** GitLab's lifetime for a build without a timeout, in seconds. */
export const NO_TIMEOUT_LIFETIME = 300

const isSet = (value: number | null | undefined): value is number =>
  typeof value === 'number' && value > 0

/**
 * `exp - iat` for the given timeouts.
 *
 * @example
 * ```ts
 * tokenLifetime({ projectTimeout: 3600 })                          // 3600
 * tokenLifetime({ jobTimeout: 7200, runnerMaxTimeout: 1800 })      // 1800: the runner caps it
 * tokenLifetime({})                                                // 300: no timeout at all
 * ```
 */
export function tokenLifetime(timeouts: Timeouts): number {
  const own = isSet(timeouts.jobTimeout) ? timeouts.jobTimeout : timeouts.projectTimeout
  const candidates = [own, timeouts.runnerMaxTimeout].filter(isSet)
  return candidates.length === 0 ? NO_TIMEOUT_LIFETIME : Math.min(...candidates)
}

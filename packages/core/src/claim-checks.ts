/**
 * The registered-claim checks that run after the signature: audience, CI-token shape and time.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'

/**
 * Settings of {@link checkTime}; seconds.
 *
 * @example
 * ```ts
 * const rules: TimeRules = { clockTolerance: 30, maxTokenAge: undefined }
 * ```
 */
export interface TimeRules {
  readonly clockTolerance: number
  readonly maxTokenAge: number | undefined
}

/**
 * RFC 7519 §4.1.3: `aud` is a string or an array of strings, and must contain one of ours.
 * GitLab writes a string for `aud: x` and an array for `aud: [x, y]` in `.gitlab-ci.yml`.
 *
 * @throws {GitlabIdTokenError} `ERR_AUDIENCE_MISMATCH` with `details: { received, accepted }`.
 *
 * @example
 * ```ts
 * checkAudience(['https://vault.example', 'https://deploy.example'], new Set(['https://deploy.example']))
 * ```
 */
export function checkAudience(aud: unknown, accepted: ReadonlySet<string>): void {
  if (typeof aud === 'string') {
    if (accepted.has(aud)) return
  } else if (Array.isArray(aud)) {
    for (const value of aud as unknown[])
      if (typeof value === 'string' && accepted.has(value)) return
  }
  throw new GitlabIdTokenError(
    'ERR_AUDIENCE_MISMATCH',
    'aud does not contain an accepted audience',
    { details: { received: aud, accepted: [...accepted] } },
  )
}

/**
 * The components GitLab lets a project put first in `sub` (`ci_id_token_sub_claim_components`):
 * `project_path` in `ProjectCiCdSetting` as read; the job and source project by path or ID since
 * MR !258245 (docs-only, version unconfirmed). Each names the project the job belongs to.
 *
 * @example
 * ```ts
 * CI_SUB_FIRST_COMPONENTS.includes('job_project_id') // true
 * ```
 */
export const CI_SUB_FIRST_COMPONENTS: readonly string[] = Object.freeze([
  'project_path',
  'job_project_path',
  'job_project_id',
  'source_project_path',
  'source_project_id',
])

// `project_path:g/p:…`, `job_project_id:42:…`: a known first component, `:`, a non-empty value.
// User-login tokens (`sub` a user ID), Secrets Manager tokens (`user:<name>`,
// `gitlab_secrets_manager`) and the legacy `job_<id>` subject all fail it.
const CI_SUB = new RegExp(`^(?:${CI_SUB_FIRST_COMPONENTS.join('|')}):[^:]`)

const nonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.length > 0

/**
 * Refuses JWTs that GitLab signs with the same key and `iss` but that are not CI/CD ID tokens:
 *
 * - user-login OIDC id_tokens: numeric user `sub`, no job claims (`doorkeeper_openid_connect.rb`);
 * - Secrets Manager tokens (EE `SecretsManagement::*Jwt`, signed with `ci_jwt_signing_key`):
 *   `sub: user:<name>` or `gitlab_secrets_manager`, and the pipeline variant, whose
 *   `secrets_manager_scope` claim no ID token has.
 *
 * Whatever order the project chose for its `sub` components, a CI token's first one names its
 * project; the job, pipeline and project IDs are the real evidence and must all be present.
 *
 * @throws {GitlabIdTokenError} `ERR_NOT_A_CI_TOKEN` with `details: { missing, unexpected? }`:
 *   the evidence the token lacks, and `secrets_manager_scope` when it carries that.
 *
 * @example
 * ```ts
 * checkCiToken({ sub: 'job_project_id:42:ref:main', project_id: '7', job_id: '9', pipeline_id: '8' })
 * ```
 */
export function checkCiToken(payload: Readonly<Record<string, unknown>>): void {
  const { sub } = payload
  if (
    typeof sub === 'string' &&
    CI_SUB.test(sub) &&
    nonEmptyString(payload.project_id) &&
    nonEmptyString(payload.job_id) &&
    nonEmptyString(payload.pipeline_id) &&
    payload.secrets_manager_scope === undefined
  ) {
    return
  }
  const missing = ['sub', 'project_id', 'job_id', 'pipeline_id'].filter((claim) =>
    claim === 'sub'
      ? typeof sub !== 'string' || !CI_SUB.test(sub)
      : !nonEmptyString(payload[claim]),
  )
  throw new GitlabIdTokenError(
    'ERR_NOT_A_CI_TOKEN',
    'token lacks the claims of a GitLab CI/CD job token',
    {
      details: {
        missing,
        ...(payload.secrets_manager_scope === undefined
          ? {}
          : { unexpected: ['secrets_manager_scope'] }),
      },
    },
  )
}

const isNumericDate = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)

/**
 * `exp`, `nbf` and `iat` are required: GitLab always sends all three (`jwt.rb`: `nbf = iat - 5`,
 * `exp = iat + job timeout`), so a token without one was not minted by GitLab.
 *
 * @param nowSeconds - the current time in (fractional) seconds since the epoch.
 * @throws {GitlabIdTokenError} `ERR_TOKEN_MALFORMED`, or `ERR_TOKEN_EXPIRED` /
 *   `ERR_TOKEN_NOT_YET_VALID` / `ERR_TOKEN_TOO_OLD` with `details: { claim, value, now,
 *   clockTolerance, maxTokenAge? }`.
 *
 * @example
 * ```ts
 * checkTime(payload, Date.now() / 1000, { clockTolerance: 30, maxTokenAge: 300 })
 * ```
 */
export function checkTime(
  payload: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  rules: TimeRules,
): void {
  const { exp, nbf, iat } = payload
  for (const [claim, value] of [
    ['exp', exp],
    ['nbf', nbf],
    ['iat', iat],
  ] as const) {
    if (!isNumericDate(value)) {
      throw new GitlabIdTokenError(
        'ERR_TOKEN_MALFORMED',
        'exp, nbf and iat must be numeric dates',
        {
          details: { part: 'claims', claim, reason: 'not a numeric date' },
        },
      )
    }
  }
  const tolerance = rules.clockTolerance
  const at = (claim: 'exp' | 'nbf' | 'iat', value: number) => ({
    details: {
      claim,
      value,
      now: nowSeconds,
      clockTolerance: tolerance,
      ...(rules.maxTokenAge === undefined ? {} : { maxTokenAge: rules.maxTokenAge }),
    },
  })
  const [e, n, i] = [exp, nbf, iat] as [number, number, number]
  // RFC 7519 §4.1.4: the token must not be accepted on or after its expiry time.
  if (nowSeconds - tolerance >= e) {
    throw new GitlabIdTokenError('ERR_TOKEN_EXPIRED', 'token expired (exp)', at('exp', e))
  }
  if (nowSeconds + tolerance < n) {
    throw new GitlabIdTokenError(
      'ERR_TOKEN_NOT_YET_VALID',
      'token not yet valid (nbf)',
      at('nbf', n),
    )
  }
  if (nowSeconds + tolerance < i) {
    throw new GitlabIdTokenError(
      'ERR_TOKEN_NOT_YET_VALID',
      'token issued in the future (iat)',
      at('iat', i),
    )
  }
  if (rules.maxTokenAge !== undefined && nowSeconds - i - tolerance > rules.maxTokenAge) {
    throw new GitlabIdTokenError(
      'ERR_TOKEN_TOO_OLD',
      'token older than maxTokenAge (iat)',
      at('iat', i),
    )
  }
}

/**
 * The registered-claim checks that run after the signature: audience, CI-token shape and time.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'

/** Settings of {@link checkTime}; seconds. */
export interface TimeRules {
  readonly clockTolerance: number
  readonly maxTokenAge: number | undefined
}

/**
 * RFC 7519 §4.1.3: `aud` is a string or an array of strings, and must contain one of ours.
 * GitLab writes a string for `aud: x` and an array for `aud: [x, y]` in `.gitlab-ci.yml`.
 */
export function checkAudience(aud: unknown, accepted: ReadonlySet<string>): void {
  if (typeof aud === 'string') {
    if (accepted.has(aud)) return
  } else if (Array.isArray(aud)) {
    for (const value of aud as unknown[])
      if (typeof value === 'string' && accepted.has(value)) return
  }
  throw new GitlabIdTokenError('ERR_AUDIENCE_MISMATCH', 'aud does not contain an accepted audience')
}

const nonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.length > 0

/**
 * GitLab's user-login OIDC id_tokens share `iss` and the key set with CI/CD ID tokens but carry a
 * numeric user `sub` and no job claims (`doorkeeper_openid_connect.rb`). Only a CI token has a
 * `project_path:` subject (`jwt_v2.rb`: the first sub component must be `project_path`) and the
 * project, job and pipeline IDs.
 */
export function checkCiToken(payload: Readonly<Record<string, unknown>>): void {
  const sub = payload.sub
  if (
    typeof sub !== 'string' ||
    !sub.startsWith('project_path:') ||
    !nonEmptyString(payload.project_id) ||
    !nonEmptyString(payload.job_id) ||
    !nonEmptyString(payload.pipeline_id)
  ) {
    throw new GitlabIdTokenError(
      'ERR_NOT_A_CI_TOKEN',
      'token lacks the claims of a GitLab CI/CD job token',
    )
  }
}

const isNumericDate = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)

/**
 * `exp`, `nbf` and `iat` are required: GitLab always sends all three (`jwt.rb`: `nbf = iat - 5`,
 * `exp = iat + job timeout`), so a token without one was not minted by GitLab.
 *
 * @param nowSeconds - the current time in (fractional) seconds since the epoch.
 */
export function checkTime(
  payload: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  rules: TimeRules,
): void {
  const { exp, nbf, iat } = payload
  if (!isNumericDate(exp) || !isNumericDate(nbf) || !isNumericDate(iat)) {
    throw new GitlabIdTokenError('ERR_TOKEN_MALFORMED', 'exp, nbf and iat must be numeric dates')
  }
  const tolerance = rules.clockTolerance
  // RFC 7519 §4.1.4: the token must not be accepted on or after its expiry time.
  if (nowSeconds - tolerance >= exp) {
    throw new GitlabIdTokenError('ERR_TOKEN_EXPIRED', 'token expired (exp)')
  }
  if (nowSeconds + tolerance < nbf) {
    throw new GitlabIdTokenError('ERR_TOKEN_NOT_YET_VALID', 'token not yet valid (nbf)')
  }
  if (nowSeconds + tolerance < iat) {
    throw new GitlabIdTokenError('ERR_TOKEN_NOT_YET_VALID', 'token issued in the future (iat)')
  }
  if (rules.maxTokenAge !== undefined && nowSeconds - iat - tolerance > rules.maxTokenAge) {
    throw new GitlabIdTokenError('ERR_TOKEN_TOO_OLD', 'token older than maxTokenAge (iat)')
  }
}

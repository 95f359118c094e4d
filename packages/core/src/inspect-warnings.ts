/**
 * What stands out in an unverified GitLab claim set: the warnings `inspectToken` reports.
 *
 * @module
 */

import { checkCiToken } from './claim-checks.js'

/**
 * The stable codes of {@link InspectWarning}.
 *
 * @example
 * ```ts
 * const fork = warnings.some((w) => w.code === 'fork-merge-request')
 * ```
 */
export type InspectWarningCode =
  | 'user-login-token'
  | 'not-a-ci-token'
  | 'expired'
  | 'not-yet-valid'
  | 'ref-protected-empty'
  | 'fork-merge-request'
  | 'path-claim'

/**
 * One observation about a token. `warning`: it will be refused or is easy to mis-authorise;
 * `info`: advice for the policy that will read it.
 *
 * @example
 * ```ts
 * // { code: 'ref-protected-empty', severity: 'warning', claim: 'ref_protected', message: '…' }
 * ```
 */
export interface InspectWarning {
  readonly code: InspectWarningCode
  readonly severity: 'warning' | 'info'
  readonly claim?: string
  readonly message: string
}

// A path can be renamed and the old path registered again by someone else; the ID never moves.
const ID_PINS: readonly (readonly [path: string, id: string])[] = [
  ['project_path', 'project_id'],
  ['namespace_path', 'namespace_id'],
  ['user_login', 'user_id'],
]

const text = (value: unknown): string => JSON.stringify(value)

function tokenKind(claims: Readonly<Record<string, unknown>>): 'ci' | 'user-login' | 'unknown' {
  try {
    checkCiToken(claims)
    return 'ci'
  } catch {
    // GitLab's OIDC login id_token: `sub` is the numeric user ID, and it has no job claims
    // (doorkeeper_openid_connect: sub_generator is the user's id).
    const sub = claims.sub
    return typeof sub === 'string' && /^\d+$/.test(sub) ? 'user-login' : 'unknown'
  }
}

/**
 * The token's kind and its warnings, at `nowSeconds`.
 *
 * @example
 * ```ts
 * const { kind, warnings } = inspectWarnings(claims, Date.now() / 1000)
 * ```
 */
export function inspectWarnings(
  claims: Readonly<Record<string, unknown>>,
  nowSeconds: number,
): { kind: 'ci' | 'user-login' | 'unknown'; warnings: InspectWarning[] } {
  const warnings: InspectWarning[] = []
  const kind = tokenKind(claims)
  if (kind === 'user-login') {
    warnings.push({
      code: 'user-login-token',
      severity: 'warning',
      claim: 'sub',
      message:
        'a GitLab user-login OIDC id_token, not a CI/CD job token: it shares the issuer and key set, and every verifier refuses it (ERR_NOT_A_CI_TOKEN)',
    })
  } else if (kind === 'unknown') {
    warnings.push({
      code: 'not-a-ci-token',
      severity: 'warning',
      message:
        'not shaped like a GitLab CI/CD ID token (sub "project_path:…", project_id, job_id, pipeline_id): refused with ERR_NOT_A_CI_TOKEN',
    })
  }
  const { exp, nbf } = claims
  if (typeof exp === 'number' && exp <= nowSeconds) {
    warnings.push({
      code: 'expired',
      severity: 'warning',
      claim: 'exp',
      message: `expired ${Math.round(nowSeconds - exp)} s ago (exp ${new Date(exp * 1000).toISOString()})`,
    })
  }
  if (typeof nbf === 'number' && nbf > nowSeconds) {
    warnings.push({
      code: 'not-yet-valid',
      severity: 'warning',
      claim: 'nbf',
      message: `not valid for another ${Math.round(nbf - nowSeconds)} s (clock skew?)`,
    })
  }
  if (claims.ref_protected === '') {
    warnings.push({
      code: 'ref-protected-empty',
      severity: 'warning',
      claim: 'ref_protected',
      message:
        'ref_protected is "" (GitLab sends it when the job\'s protection is unknown): it matches neither true nor false, so a ref_protected: true rule refuses it',
    })
  }
  const projectId = claims.project_id
  const jobProjectId = claims.job_project_id
  if (typeof jobProjectId === 'string' && projectId !== jobProjectId) {
    warnings.push({
      code: 'fork-merge-request',
      severity: 'warning',
      claim: 'project_id',
      message: `a fork merge-request pipeline: project_* name the source fork ${text(claims.project_path)} (${text(projectId)}), the job runs in ${text(claims.job_project_path)} (${text(jobProjectId)}); a project_id pin matches the fork`,
    })
  }
  for (const [path, id] of ID_PINS) {
    if (typeof claims[path] !== 'string' || typeof claims[id] !== 'string') continue
    warnings.push({
      code: 'path-claim',
      severity: 'info',
      claim: path,
      message: `pin ${id}: ${text(claims[id])} rather than ${path}: ${text(claims[path])}; paths and user names can be renamed, and the old name registered by someone else`,
    })
  }
  return { kind, warnings }
}

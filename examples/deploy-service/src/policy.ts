/**
 * Who may deploy where. The whole authorisation story of the deploy service is this file.
 */

import { GitlabIdTokenError, type Policy, type VerifyResult } from '@gitlab-id-token/core'
import { assertGrants } from '@gitlab-id-token/core/adapter'

/** acme/widget. Pin the ID, not the path: a renamed project's old path can be registered again. */
export const PRODUCTION_PROJECT_ID = '4242'

/** The group whose projects (and subgroups' projects) may deploy to staging. */
export const STAGING_GROUP = 'acme'

export const deployPolicy: Policy = {
  allow: [
    {
      name: 'production-deploy',
      // ref_protected: only maintainers can push to a protected branch or tag, so a feature
      // branch that edits .gitlab-ci.yml cannot reach production.
      match: { project_id: PRODUCTION_PROJECT_ID, ref_protected: true, environment: 'production' },
      grants: ['deploy:production'],
    },
    {
      name: 'staging-deploy',
      // `acme/**` does not match `acme` itself: list both for a group and its subgroups.
      match: {
        namespace_path: [STAGING_GROUP, { glob: `${STAGING_GROUP}/**` }],
        environment: 'staging',
      },
      grants: ['deploy:staging'],
    },
  ],
}

/**
 * A deploy to `environment` needs the matching grant (`assertGrants` answers 403 and reports the
 * refusal to `onDecision`, naming the rules that would have granted it) and the job's own
 * `environment` claim. The grant alone would do with the policy above, but the route should not
 * depend on every future rule pinning `environment`.
 */
export function authorizeDeploy(
  result: VerifyResult,
  environment: string,
  request?: unknown,
): void {
  const grant = `deploy:${environment}`
  assertGrants(result, [grant], request)
  if (result.claims.environment !== environment) {
    const error = new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE', 'job environment differs', {
      details: { required: [grant], missing: [], rules: result.rules, candidates: [] },
    })
    error.requestId = result.requestId
    throw error
  }
}

/**
 * Who may deploy where (the same rules as examples/deploy-service and examples/fastify-api).
 */

import type { Policy } from '@gitlab-id-token/core'

export const deployPolicy: Policy = {
  allow: [
    {
      name: 'production-deploy',
      // acme/widget by ID (paths can be re-registered after a rename), protected refs only.
      match: { project_id: '4242', ref_protected: true, environment: 'production' },
      grants: ['deploy:production'],
    },
    {
      name: 'staging-deploy',
      // `acme/**` does not match `acme` itself: list both for a group and its subgroups.
      match: { namespace_path: ['acme', { glob: 'acme/**' }], environment: 'staging' },
      grants: ['deploy:staging'],
    },
  ],
}

/**
 * `@gitlab-id-token/fastify`: verify GitLab CI/CD ID tokens in Fastify 5.
 *
 * @module
 */

export { verifyGitlabIdToken } from './plugin.js'
export type { GitlabIdTokenRouteConfig, VerifyGitlabIdTokenOptions } from './plugin.js'
export { createVerifier, GitlabIdTokenError, isGitlabIdTokenError } from '@gitlab-id-token/core'
export type {
  GitlabIdTokenClaims,
  GitlabIdTokenErrorCode,
  Policy,
  SharedVerifier,
  TokenGetter,
  VerifierOptions,
  VerifyResult,
} from '@gitlab-id-token/core'

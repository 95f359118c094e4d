/**
 * `@gitlab-id-token/fastify`: verify GitLab CI/CD ID tokens in Fastify 5.
 *
 * @module
 */

export { gitlabIdTokenErrorHandler } from './error-handler.js'
export { requireGrants, verifyGitlabIdToken } from './plugin.js'
export type { VerifyGitlabIdTokenOptions } from './plugin.js'
export type { GitlabIdTokenRouteConfig } from './route-guard.js'
export { createVerifier, GitlabIdTokenError, isGitlabIdTokenError } from '@gitlab-id-token/core'
export type {
  GitlabIdTokenClaims,
  GitlabIdTokenErrorCode,
  Policy,
  VerifierOptions,
  VerifyResult,
} from '@gitlab-id-token/core'
export type { SharedVerifier, TokenGetter } from '@gitlab-id-token/core/adapter'

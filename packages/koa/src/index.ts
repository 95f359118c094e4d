/**
 * `@gitlab-id-token/koa`: verify GitLab CI/CD ID tokens in Koa.
 *
 * @module
 */

export { gitlabIdTokenErrorHandler } from './error-handler.js'
export { requireGrants, verifyGitlabIdToken } from './middleware.js'
export type {
  GitlabGatewayAssertionState,
  GitlabIdTokenState,
  VerifyGitlabIdTokenOptions,
} from './middleware.js'
export { createVerifier, GitlabIdTokenError, isGitlabIdTokenError } from '@gitlab-id-token/core'
export type {
  GitlabIdTokenClaims,
  GitlabIdTokenErrorCode,
  Policy,
  VerifierOptions,
  VerifyResult,
} from '@gitlab-id-token/core'
export type { SharedVerifier, TokenGetter } from '@gitlab-id-token/core/adapter'

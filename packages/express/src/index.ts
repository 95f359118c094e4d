/**
 * `@gitlab-id-token/express`: verify GitLab CI/CD ID tokens in Express 5 and 4.
 *
 * @module
 */

export { gitlabIdTokenErrorHandler } from './error-handler.js'
export { requireGrants, verifyGitlabIdToken } from './verify-gitlab-id-token.js'
export type { VerifyGitlabIdTokenOptions } from './verify-gitlab-id-token.js'
export { createVerifier, GitlabIdTokenError, isGitlabIdTokenError } from '@gitlab-id-token/core'
export type {
  GitlabIdTokenClaims,
  GitlabIdTokenErrorCode,
  Policy,
  VerifierOptions,
  VerifyResult,
} from '@gitlab-id-token/core'
export type { SharedVerifier, TokenGetter } from '@gitlab-id-token/core/adapter'

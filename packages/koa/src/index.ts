/**
 * `@gitlab-id-token/koa`: verify GitLab CI/CD ID tokens in Koa.
 *
 * @module
 */

export { requireGrants, verifyGitlabIdToken } from './middleware.js'
export type { GitlabIdTokenState, VerifyGitlabIdTokenOptions } from './middleware.js'
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

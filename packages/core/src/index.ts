/**
 * `@gitlab-id-token/core`: verify GitLab CI/CD ID tokens and decide what they may do.
 *
 * @module
 */

export { createVerifier } from './verifier.js'
export { evaluatePolicy, compilePolicy } from './policy.js'
export type { CompiledPolicy, PolicyOptions } from './policy.js'
export { extractBearerToken } from './bearer.js'
export {
  assertGrants,
  createRequestVerifier,
  grantCheck,
  readAuthorization,
  resolveVerifier,
} from './adapter-support.js'
export type {
  AdapterOptions,
  NodeRequestLike,
  SharedVerifier,
  TokenGetter,
} from './adapter-support.js'
export { loadOptionsFromEnv } from './load-options-from-env.js'
export type { EnvOptions } from './load-options-from-env.js'
export { createMemoryReplayStore } from './replay-store.js'
export type { MemoryReplayStoreOptions } from './replay-store.js'
export { GitlabIdTokenError, isGitlabIdTokenError, DEFAULT_REALM } from './errors.js'
export type { GitlabIdTokenErrorCode, GitlabIdTokenErrorOptions } from './errors.js'
export { CLAIM_NAMES } from './claims.js'
export type { ClaimName, GitlabBoolean, GitlabIdTokenClaims } from './claims.js'
export { DEFAULT_ISSUER } from './issuers.js'
export { DEFAULT_ALGORITHMS } from './algorithms.js'
export type {
  ClaimFailure,
  ClaimValue,
  Matcher,
  Policy,
  PolicyDecision,
  Rule,
  RuleReason,
} from './policy-types.js'
export type {
  IssuerConfig,
  JsonWebKey,
  JsonWebKeySet,
  JwksOptions,
  ReplayStore,
  Verifier,
  VerifierOptions,
  VerifyResult,
} from './types.js'

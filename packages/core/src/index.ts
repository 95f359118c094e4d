/**
 * `@gitlab-id-token/core`: verify GitLab CI/CD ID tokens and decide what they may do.
 *
 * @module
 */

export { createVerifier } from './verifier.js'
export { evaluatePolicy, compilePolicy } from './policy.js'
export type { CompiledPolicy, PolicyOptions } from './policy.js'
export { SHARED_INSTANCES } from './issuer-scope.js'
export type { AllowAnyProject } from './issuer-scope.js'
export { extractBearerToken } from './bearer.js'
export { loadOptionsFromEnv } from './load-options-from-env.js'
export type { EnvOptions } from './load-options-from-env.js'
export { createMemoryReplayStore } from './replay-store.js'
export type {
  ExplainCheck,
  ExplainCheckName,
  ExplainOptions,
  ExplainRule,
  Explanation,
} from './explain-types.js'
export { inspectToken, tokenFingerprint, tokenIdentity } from './inspect-token.js'
export type {
  InspectedToken,
  InspectOptions,
  InspectWarning,
  InspectWarningCode,
  UnverifiedClaims,
} from './inspect-token.js'
export { createGatewayAssertionVerifier, GATEWAY_ASSERTION_TYPE } from './gateway-assertion.js'
export type {
  GatewayAssertion,
  GatewayAssertionVerifier,
  GatewayAssertionVerifierOptions,
} from './gateway-assertion.js'
export type { MemoryReplayStoreOptions } from './replay-store.js'
export { GitlabIdTokenError, isGitlabIdTokenError, DEFAULT_REALM } from './errors.js'
export type { GitlabIdTokenErrorCode, GitlabIdTokenErrorOptions } from './errors.js'
export type { DetailsOf, ErrorDetailsMap, TimeDetails, TokenIdentity } from './error-details.js'
export {
  ARRAY_CLAIMS,
  BOOLEAN_CLAIMS,
  CASE_INSENSITIVE_CLAIMS,
  CLAIM_NAMES,
  CLAIMS,
  claimType,
  ID_CLAIMS,
} from './claims.js'
export type {
  ClaimDescriptor,
  ClaimName,
  ClaimPresence,
  ClaimType,
  ClaimTypeOf,
  ClaimValues,
  GitlabBoolean,
  GitlabIdTokenClaims,
  PinKind,
} from './claims.js'
export { TENANT_PIN_CLAIMS } from './tenant-pin.js'
export { DEFAULT_ISSUER } from './issuers.js'
export { DEFAULT_ALGORITHMS } from './algorithms.js'
export type {
  BooleanMatcher,
  ClaimFailure,
  ClaimMatcher,
  ClaimValue,
  EnumMatcher,
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
  CryptoMode,
  DecisionEvent,
  IssuerHealth,
  ReplayContext,
  ReplayOptions,
  ReplayStore,
  VerifierDescription,
  VerifyContext,
  SharedKeySetCache,
  SharedKeySetEntry,
  Verifier,
  VerifierOptions,
  VerifyResult,
} from './types.js'

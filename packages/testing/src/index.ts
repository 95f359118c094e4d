/**
 * `@gitlab-id-token/testing`: a real loopback mock GitLab issuer that mints GitLab-shaped CI/CD
 * ID tokens, for this repository's tests and for users' own test suites.
 *
 * @module
 */

export { createMockGitlab } from './mock-gitlab.js'
export type { MintOptions, MockGitlab, MockGitlabOptions, MockSignOptions } from './mock-gitlab.js'
export type { Endpoint, RequestCounters } from './issuer-server.js'

export { HUGE_BODY_BYTES } from './responses.js'
export type { DiscoveryMode, EndpointMode, ResponseSpec } from './responses.js'

export {
  buildCiClaims,
  guessDeploymentTier,
  NOT_BEFORE_SECONDS,
  serverFqdn,
} from './claims-builder.js'
export type {
  CiClaims,
  CiClaimsContext,
  ClaimOverrides,
  ClaimProfile,
  Claims,
} from './claims-builder.js'

export {
  claimAvailability,
  compareGitlabVersions,
  GITLAB_VERSIONS,
  hasForkSemantics,
  LATEST_GITLAB_VERSION,
} from './gitlab-version.js'
export type {
  ClaimAvailability,
  ConfigSource,
  FeatureFlags,
  VersionProfileOptions,
} from './gitlab-version.js'

export { buildSub, DEFAULT_SUB_COMPONENTS } from './sub-claim.js'
export type { SubComponent } from './sub-claim.js'

export { NO_TIMEOUT_LIFETIME, tokenLifetime } from './lifetime.js'
export type { Timeouts } from './lifetime.js'

export { buildUserClaims, oauthClientId } from './user-claims.js'
export type { UserClaimsContext } from './user-claims.js'

export { mintTokensForJob } from './mint-for-job.js'
export type { JobMintOptions, JobTokenMinter, MintForJobContext } from './mint-for-job.js'

export type { EnvironmentDefinition, IdTokenDefinition, JobDefinition } from './ci-config.js'

export { expandVariables, predefinedVariables, resolveVariables } from './ci-variables.js'
export type { VariableDefinition } from './ci-variables.js'

export { buildDiscoveryDocument, CLAIMS_SUPPORTED } from './discovery.js'

export { generateSigningKey, jwkThumbprint, signingKeyFromPrivateKey } from './key-pair.js'
export type { PublicRsaJwk, SigningKey, SigningKeyOptions } from './key-pair.js'

export { signJwt } from './sign.js'
export type { SignatureAlgorithm, SigningMaterial, SignJwtOptions } from './sign.js'

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
  applyOverrides,
  buildCiClaims,
  guessDeploymentTier,
  NOT_BEFORE_SECONDS,
  serverFqdn,
  stableId,
} from './claims-builder.js'
export type { CiClaimsContext, ClaimOverrides, Claims } from './claims-builder.js'

export { buildUserClaims, oauthClientId } from './user-claims.js'
export type { UserClaimsContext } from './user-claims.js'

export { mintTokensForJob } from './mint-for-job.js'
export type { JobTokenMinter, MintForJobContext } from './mint-for-job.js'

export { parseDuration, readJob } from './ci-config.js'
export type { EnvironmentDefinition, IdTokenDefinition, JobDefinition } from './ci-config.js'

export { expandVariables, predefinedVariables, resolveVariables, slugify } from './ci-variables.js'
export type { VariableDefinition } from './ci-variables.js'

export { buildDiscoveryDocument, CLAIMS_SUPPORTED } from './discovery.js'

export { generateSigningKey, jwkThumbprint, signingKeyFromPrivateKey } from './key-pair.js'
export type { PublicRsaJwk, SigningKey, SigningKeyOptions } from './key-pair.js'

export { signJwt } from './sign.js'
export type { SignatureAlgorithm, SigningMaterial, SignJwtOptions } from './sign.js'

/**
 * `@gitlab-id-token/core/adapter`: the plumbing the framework adapters share (and a new adapter
 * needs): options into one verifier, the credential read from a Node request, one verification
 * per request, route grant checks. Applications use the adapters or `@gitlab-id-token/core`.
 *
 * @module
 */

export { createRequestAssertionVerifier } from './gateway-assertion.js'
export type { RequestAssertionVerifier } from './gateway-assertion.js'
export { assertGrants, grantCheck } from './grants.js'
export { readAuthorization } from './read-authorization.js'
export type { NodeRequestLike } from './read-authorization.js'
export { createRequestVerifier } from './request-verifier.js'
export type { RequestAccess, RequestVerifier } from './request-verifier.js'
export { resolveVerifier } from './resolve-verifier.js'
export type {
  AdapterOnlyOptions,
  AdapterOptions,
  SharedVerifier,
  TokenGetter,
} from './resolve-verifier.js'

/**
 * The adapters' `requireGatewayAssertion` mode: an app behind `@gitlab-id-token/gateway` checks
 * the gateway's signed assertion instead of the CI token, so traffic that bypassed the proxy is
 * refused (the upstream must not trust a request the gateway did not see).
 *
 * @module
 */

import { GitlabIdTokenError } from '../errors.js'
import {
  createGatewayAssertionVerifier,
  type GatewayAssertion,
  type GatewayAssertionVerifierOptions,
} from '../gateway-assertion.js'
import type { NodeRequestLike } from './read-authorization.js'
import { refuse } from './request-state.js'
import type { RequestAccess } from './request-verifier.js'
import type { AdapterOptions } from './resolve-verifier.js'

/**
 * Verifies one framework request's gateway assertion; rejects with `ERR_ASSERTION_INVALID`
 * (401) when it is missing, duplicated, forged or expired.
 *
 * @example
 * ```ts
 * req.gitlabGatewayAssertion = await verifyAssertion(req)
 * ```
 */
export type RequestAssertionVerifier<Req> = (req: Req) => Promise<GatewayAssertion>

/**
 * Builds the per-request check of `options.requireGatewayAssertion`
 * (`{ jwksUri | jwks, issuer, header?, audience? }`, see `createGatewayAssertionVerifier`). It is
 * the whole check: the gateway verified the CI token, and the app never sees it, so any other
 * verifier option next to it is refused at startup rather than silently unused.
 *
 * @param options - the adapter's options, holding `requireGatewayAssertion` and nothing else.
 * @param access - see {@link RequestAccess}; a function is taken as `access.node`.
 * @example
 * ```ts
 * const verifyAssertion = createRequestAssertionVerifier(options, (req: Request) => req)
 * ```
 */
export function createRequestAssertionVerifier<Req>(
  options: AdapterOptions<Req>,
  access: RequestAccess<Req> | ((req: Req) => NodeRequestLike),
): RequestAssertionVerifier<Req> {
  const settings: GatewayAssertionVerifierOptions | undefined = options.requireGatewayAssertion
  if (settings === undefined) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', '"requireGatewayAssertion" is required')
  }
  const others = Object.keys(options).filter(
    (key) =>
      key !== 'requireGatewayAssertion' && (options as Record<string, unknown>)[key] !== undefined,
  )
  if (others.length > 0) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      `"requireGatewayAssertion" replaces token verification (the gateway verified the CI ` +
        `token): pass it alone, without "${others[0]}"`,
    )
  }
  const assertions = createGatewayAssertionVerifier(settings)
  const { node, requestId } = typeof access === 'function' ? { node: access } : access
  return (req) => {
    // Node joins a repeated unknown header with ", ", which no compact JWS survives.
    const value = (node(req).headers as Readonly<Record<string, unknown>>)[assertions.header]
    if (typeof value !== 'string' || value === '') {
      const missing = new GitlabIdTokenError('ERR_ASSERTION_INVALID', 'no gateway assertion')
      return refuse(missing, requestId?.(req))
    }
    return assertions.verify(value).catch((error: unknown) => refuse(error, requestId?.(req)))
  }
}

/**
 * The one function an adapter calls per request: read the credential, verify it once, with the
 * framework request and its ID passed on to the decision hook.
 *
 * @module
 */

import { bearerCandidate, isBearerCredential } from '../bearer.js'
import { GitlabIdTokenError, isGitlabIdTokenError } from '../errors.js'
import type { VerifyResult } from '../types.js'
import { readAuthorization, type NodeRequestLike } from './read-authorization.js'
import { markAnonymous, refuse } from './request-state.js'
import { resolveVerifier, type AdapterOptions } from './resolve-verifier.js'

/**
 * How an adapter reaches into its framework's request.
 *
 * @example
 * ```ts
 * const access: RequestAccess<FastifyRequest> = { node: (r) => r.raw, requestId: (r) => r.id }
 * ```
 */
export interface RequestAccess<Req> {
  /** The underlying Node request, where `Authorization` is read (unless `getToken` is given). */
  readonly node: (req: Req) => NodeRequestLike
  /**
   * The framework's own request ID (Fastify's `request.id`), so the job's `request_id` matches
   * the framework's log lines. Absent: the core generates one per request.
   */
  readonly requestId?: ((req: Req) => string | undefined) | undefined
}

/**
 * Verifies one framework request. Resolves to the result, or to `undefined` only with
 * `optional: true` and no credential; rejects with a {@link GitlabIdTokenError} whose
 * `requestId` is set.
 *
 * @example
 * ```ts
 * const result = await verify(req)
 * ```
 */
export type RequestVerifier<Req> = (req: Req) => Promise<VerifyResult | undefined>

/**
 * Builds the one function an adapter calls per request: read the credential, call
 * `verifier.verify(token, { request, requestId })` once. The `Authorization` header is read by
 * `slice` (`Bearer <token>`); the RFC 6750 grammar runs only when the token fails to decode, to
 * answer a malformed header 400 rather than 401. Not an `async` function: a request pays for the
 * verifier's promise and one `catch`, not for a wrapper's.
 *
 * @param options - see {@link AdapterOptions}; resolved now, so bad options throw at startup.
 * @param access - see {@link RequestAccess}; a function is taken as `access.node`.
 * @returns see {@link RequestVerifier}.
 * @example
 * ```ts
 * const verify = createRequestVerifier(options, { node: (r: FastifyRequest) => r.raw, requestId: (r) => r.id })
 * request.gitlabIdToken = (await verify(request)) ?? null
 * ```
 */
export function createRequestVerifier<Req>(
  options: AdapterOptions<Req> | undefined,
  access: RequestAccess<Req> | ((req: Req) => NodeRequestLike),
): RequestVerifier<Req> {
  const verifier = resolveVerifier(options)
  const { node, requestId: frameworkId } = typeof access === 'function' ? { node: access } : access
  const getToken = options?.getToken
  if (getToken !== undefined && typeof getToken !== 'function') {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      '"getToken" must be a function (req) => token',
    )
  }
  const optional = options?.optional ?? false
  if (typeof optional !== 'boolean') {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', '"optional" must be true or false')
  }

  const verifyToken = (
    req: Req,
    token: string | undefined,
    requestId: string | undefined,
    header: string | undefined,
  ): Promise<VerifyResult | undefined> => {
    if (token === undefined || token === '') {
      if (optional) {
        markAnonymous(req)
        return Promise.resolve(undefined)
      }
      return refuse(
        new GitlabIdTokenError('ERR_TOKEN_MISSING', 'getToken() found no token'),
        requestId,
      )
    }
    const context = requestId === undefined ? { request: req } : { request: req, requestId }
    const verified = verifier.verify(token, context)
    if (header === undefined) return verified
    return verified.catch((error: unknown) => {
      // The fast path let a header through unchecked; only a token that does not decode needs
      // the grammar to tell "malformed header" (400) from "malformed token" (401). Every
      // non-b64token character also fails base64url, so no bad header is ever accepted; its
      // decision event says ERR_TOKEN_MALFORMED, under the same request ID.
      if (!isGitlabIdTokenError(error, 'ERR_TOKEN_MALFORMED') || isBearerCredential(header)) {
        throw error
      }
      const invalid = new GitlabIdTokenError('ERR_INVALID_REQUEST', 'malformed Bearer credential')
      return refuse(invalid, error.requestId ?? requestId)
    })
  }

  return (req) => {
    const requestId = frameworkId?.(req)
    let token: string | Promise<string | undefined> | undefined
    let header: string | undefined
    try {
      if (getToken === undefined) {
        const value = readAuthorization(node(req))
        token = bearerCandidate(value)
        header = typeof value === 'string' ? value : value?.[0]
      } else {
        token = getToken(req)
      }
    } catch (error) {
      if (optional && isGitlabIdTokenError(error, 'ERR_TOKEN_MISSING')) {
        markAnonymous(req)
        return Promise.resolve(undefined)
      }
      return refuse(error, requestId)
    }
    if (typeof token === 'object' && token !== null && typeof token.then === 'function') {
      return token.then(
        (value) => verifyToken(req, value, requestId, undefined),
        (error: unknown) => refuse(error, requestId),
      )
    }
    return verifyToken(req, token as string | undefined, requestId, header)
  }
}

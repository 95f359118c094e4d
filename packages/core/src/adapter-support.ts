/**
 * What the framework adapters share: resolving their options into one verifier, reading the
 * credential, and checking required grants. Framework-neutral, so each adapter stays a translation.
 *
 * @module
 */

import { extractBearerToken } from './bearer.js'
import { GitlabIdTokenError } from './errors.js'
import { loadOptionsFromEnv } from './load-options-from-env.js'
import type { Verifier, VerifierOptions, VerifyResult } from './types.js'
import { createVerifier } from './verifier.js'

/**
 * Reuse one already-built verifier (and so one key cache) across routers, apps and adapters.
 *
 * @example
 * ```ts
 * const shared: SharedVerifier = { verifier: createVerifier(options) }
 * ```
 */
export interface SharedVerifier {
  readonly verifier: Verifier
}

/**
 * Reads the compact token from a framework request. Return `undefined` (or `''`) when there is
 * none: that is answered like a missing header (`ERR_TOKEN_MISSING`, 401, bare challenge).
 *
 * @example
 * ```ts
 * const fromHeader: TokenGetter<IncomingMessage> = (req) => req.headers['job-token'] as string | undefined
 * ```
 */
export type TokenGetter<Req> = (req: Req) => string | undefined | Promise<string | undefined>

/**
 * What every adapter's `verifyGitlabIdToken(options?)` accepts:
 *
 * - the core's {@link VerifierOptions} (a verifier is built once, at construction);
 * - or `{ verifier }` to share one;
 * - or neither (`undefined`, `{}`, or only `getToken`): options come from
 *   `loadOptionsFromEnv(process.env)` at construction, so a missing variable fails at startup.
 *
 * Plus `getToken` to read the token from somewhere other than `Authorization: Bearer`.
 *
 * @example
 * ```ts
 * verifyGitlabIdToken({ verifier, getToken: (req) => req.headers['x-gitlab-token'] as string })
 * ```
 */
export type AdapterOptions<Req> = (
  | (VerifierOptions & { readonly verifier?: undefined })
  | (SharedVerifier & { readonly audience?: undefined })
  | { readonly verifier?: undefined; readonly audience?: undefined }
) & { readonly getToken?: TokenGetter<Req> | undefined }

/**
 * Turns adapter options into one {@link Verifier}: the shared one, one built from the options, or
 * one built from the environment. Runs at construction, never per request, so configuration
 * errors (`ERR_INVALID_CONFIG`, naming the option or variable) surface at startup.
 *
 * @param options - see {@link AdapterOptions}; adapter-only keys (`getToken`) are ignored here.
 * @param env - the environment to read when no options are given. Default `process.env`.
 * @example
 * ```ts
 * const verifier = resolveVerifier(options) // throws ERR_INVALID_CONFIG at startup
 * ```
 */
export function resolveVerifier(
  options?: AdapterOptions<never>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Verifier {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', 'options must be an object')
  }
  if (options?.verifier !== undefined) {
    if (options.audience !== undefined) {
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        'pass either { verifier } or verifier options such as "audience", not both',
      )
    }
    if (typeof options.verifier.verify !== 'function') {
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        '"verifier" must come from createVerifier()',
      )
    }
    return options.verifier
  }
  if (options?.audience !== undefined) return createVerifier(options)
  return createVerifier(loadOptionsFromEnv(env))
}

/**
 * The part of Node's `IncomingMessage` the credential is read from (Express's `req`, Fastify's
 * `request.raw`, Koa's `ctx.req`).
 *
 * @example
 * ```ts
 * readAuthorization(ctx.req) // Koa: the underlying Node request
 * ```
 */
export interface NodeRequestLike {
  readonly headers: { readonly authorization?: string | undefined }
  /** Every value of every header. Absent on injected requests (Fastify's `inject()`). */
  readonly headersDistinct?: { readonly authorization?: readonly string[] | undefined }
}

/**
 * The `Authorization` header as {@link extractBearerToken} needs it: every value when there are
 * several. `headers.authorization` alone would hide a duplicate, because Node keeps only the
 * first one (RFC 6750 §2: a request carries one credential).
 *
 * @example
 * ```ts
 * const token = extractBearerToken(readAuthorization(req))
 * ```
 */
export function readAuthorization(req: NodeRequestLike): string | readonly string[] | undefined {
  return req.headersDistinct?.authorization ?? req.headers.authorization
}

/**
 * Builds the one function an adapter calls per request: read the credential, verify it.
 *
 * @param options - see {@link AdapterOptions}.
 * @param nodeRequest - the framework request's underlying Node request (read only when no
 *   `getToken` is given).
 * @returns `(req) => Promise<VerifyResult>`, rejecting with {@link GitlabIdTokenError}.
 * @example
 * ```ts
 * const verify = createRequestVerifier(options, (request: FastifyRequest) => request.raw)
 * request.gitlabIdToken = await verify(request)
 * ```
 */
export function createRequestVerifier<Req>(
  options: AdapterOptions<Req> | undefined,
  nodeRequest: (req: Req) => NodeRequestLike,
): (req: Req) => Promise<VerifyResult> {
  const verifier = resolveVerifier(options)
  const getToken = options?.getToken
  if (getToken !== undefined && typeof getToken !== 'function') {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      '"getToken" must be a function (req) => token',
    )
  }
  return async (req) => {
    const token =
      getToken === undefined
        ? extractBearerToken(readAuthorization(nodeRequest(req)))
        : await getToken(req)
    if (token === undefined || token === '') {
      throw new GitlabIdTokenError('ERR_TOKEN_MISSING', 'getToken() found no token')
    }
    return verifier.verify(token)
  }
}

/**
 * Compiles a grant requirement once: the returned check throws `ERR_INSUFFICIENT_SCOPE` (403,
 * `error="insufficient_scope"`, RFC 6750 §3.1) unless the result carries every grant. The missing
 * grants go to `error.details` only; the client learns nothing about the policy.
 *
 * @param grants - every one is required. An empty list is `ERR_INVALID_CONFIG` (a route guarded
 *   by nothing is a mistake worth failing at startup).
 * @example
 * ```ts
 * const check = grantCheck(['deploy:production'])
 * check(result) // throws ERR_INSUFFICIENT_SCOPE
 * ```
 */
export function grantCheck(
  grants: readonly string[],
): (result: VerifyResult | null | undefined) => void {
  const required: string[] = []
  for (const grant of Array.isArray(grants) ? (grants as readonly unknown[]) : []) {
    if (typeof grant !== 'string' || grant.length === 0) {
      throw new GitlabIdTokenError('ERR_INVALID_CONFIG', 'grants must be non-empty strings')
    }
    required.push(grant)
  }
  if (required.length === 0) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', 'requireGrants needs at least one grant')
  }
  return (result) => {
    if (result === null || result === undefined) {
      // Reaching a grant check without a verified token means the route skipped verification.
      throw new GitlabIdTokenError(
        'ERR_INVALID_CONFIG',
        'requireGrants ran before verifyGitlabIdToken on this route',
      )
    }
    const missing = required.filter((grant) => !result.grants.includes(grant))
    if (missing.length > 0) {
      throw new GitlabIdTokenError('ERR_INSUFFICIENT_SCOPE', 'required grant missing', {
        details: { required, missing, rules: result.rules },
      })
    }
  }
}

/**
 * One-shot form of {@link grantCheck}.
 *
 * @example
 * ```ts
 * assertGrants(result, ['deploy:staging'])
 * ```
 */
export function assertGrants(
  result: VerifyResult | null | undefined,
  grants: readonly string[],
): void {
  grantCheck(grants)(result)
}

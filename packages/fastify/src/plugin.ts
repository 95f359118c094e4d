/**
 * Fastify 5 plugin for GitLab CI/CD ID tokens.
 *
 * This adapter only translates; all behaviour lives in @gitlab-id-token/core.
 *
 * @module
 */

import type { FastifyPluginAsync, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { GitlabIdTokenError, type GatewayAssertion, type VerifyResult } from '@gitlab-id-token/core'
import {
  createRequestAssertionVerifier,
  createRequestVerifier,
  type AdapterOptions,
} from '@gitlab-id-token/core/adapter'
import { GUARDED, grantsHook, type GitlabIdTokenRouteConfig } from './route-guard.js'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified token; `null` on routes with `config: { gitlabIdToken: false }`, and with
     * `optional: true` when the request carried no credential.
     */
    gitlabIdToken: VerifyResult | null
    /** The gateway's verified assertion with `requireGatewayAssertion`, otherwise `null`. */
    gitlabGatewayAssertion: GatewayAssertion | null
  }
  interface FastifyContextConfig {
    /** `false` to skip verification on this route, or `{ requireGrants: [...] }`. */
    gitlabIdToken?: GitlabIdTokenRouteConfig
  }
}

/**
 * Options of {@link verifyGitlabIdToken}: the core's `VerifierOptions`, or `{ verifier }` to share
 * one, or nothing (read from `GITLAB_ID_TOKEN_*` variables); plus `getToken(request)` and
 * `optional`.
 */
export type VerifyGitlabIdTokenOptions = AdapterOptions<FastifyRequest>

// onRequest: the token is a header, so refuse before the body is read or parsed. A callback
// hook: Fastify's async form costs a promise per request.
function verifyingHook<T>(
  check: (request: FastifyRequest) => Promise<T | undefined>,
  attach: (request: FastifyRequest, value: T) => void,
): onRequestHookHandler {
  return (request, _reply, done) => {
    if (request.routeOptions.config.gitlabIdToken === false) {
      done()
      return
    }
    check(request).then((value) => {
      if (value !== undefined) attach(request, value)
      done()
    }, done)
  }
}

// async without await on purpose: a configuration error then rejects `register()` instead of
// throwing from inside Fastify's boot sequence.
// eslint-disable-next-line @typescript-eslint/require-await
const plugin: FastifyPluginAsync<VerifyGitlabIdTokenOptions> = async (app, options) => {
  if (!app.hasDecorator(GUARDED)) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      'import @gitlab-id-token/fastify before creating the Fastify instance, so that routes ' +
        'declaring config.gitlabIdToken are guarded in every scope',
    )
  }
  // request.id is Fastify's own request ID (genReqId), the one its logs carry.
  const request = { node: (r: FastifyRequest) => r.raw, requestId: (r: FastifyRequest) => r.id }
  // Both, whichever mode: the types promise `null` rather than `undefined` for the other one.
  app.decorateRequest('gitlabIdToken', null)
  app.decorateRequest('gitlabGatewayAssertion', null)
  if (options.requireGatewayAssertion !== undefined) {
    const verifyAssertion = createRequestAssertionVerifier(options, request)
    app.addHook(
      'onRequest',
      verifyingHook(verifyAssertion, (r, assertion) => {
        r.gitlabGatewayAssertion = assertion
      }),
    )
    return
  }
  const verify = createRequestVerifier(options, request)
  app.addHook(
    'onRequest',
    verifyingHook(verify, (r, result) => {
      r.gitlabIdToken = result
    }),
  )
}

/**
 * Verifies every request's GitLab ID token in an `onRequest` hook and sets
 * `request.gitlabIdToken`. Wrapped with `fastify-plugin`, so the hook covers routes of the
 * registering scope and its children. Failures are thrown as `GitlabIdTokenError`, whose
 * `statusCode` and `headers` Fastify's default error handler already applies; its `request_id`
 * is Fastify's `request.id`. The verifier is built during `register`, so bad options or a missing
 * variable reject `await app.register(...)`. `onDecision` receives the `FastifyRequest`.
 *
 * A route's `config.gitlabIdToken` is checked when the route is declared, in any scope (unknown
 * keys, wrong types: `ERR_INVALID_CONFIG` naming the route); a route requiring grants where this
 * plugin did not run answers 500 `ERR_INVALID_CONFIG`, never its handler. With
 * `requireGatewayAssertion` (behind `@gitlab-id-token/gateway`) it checks the gateway's signed
 * assertion instead and sets `request.gitlabGatewayAssertion`.
 *
 * @example
 * ```ts
 * await app.register(verifyGitlabIdToken, { audience: 'https://deploy.example.com', policy })
 * app.post('/deploy', { config: { gitlabIdToken: { requireGrants: ['deploy'] } } }, (request) => ({
 *   project: request.gitlabIdToken?.claims.project_path,
 * }))
 * app.get('/healthz', { config: { gitlabIdToken: false } }, () => 'ok')
 * ```
 */
export const verifyGitlabIdToken: FastifyPluginAsync<VerifyGitlabIdTokenOptions> = fp(plugin, {
  fastify: '5.x',
  name: '@gitlab-id-token/fastify',
})

/**
 * The route hook form of `config: { gitlabIdToken: { requireGrants } }`, with the same name as
 * in the Express and Koa adapters: 403 `ERR_INSUFFICIENT_SCOPE` unless every listed grant was
 * given; 500 `ERR_INVALID_CONFIG` where {@link verifyGitlabIdToken} did not run. An empty list
 * throws now.
 *
 * @example
 * ```ts
 * app.post('/deploy/production', { onRequest: requireGrants('deploy:production') }, deploy)
 * ```
 */
export function requireGrants(...grants: string[]): onRequestHookHandler {
  return grantsHook(grants)
}

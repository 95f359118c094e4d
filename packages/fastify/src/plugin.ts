/**
 * Fastify 5 plugin for GitLab CI/CD ID tokens.
 *
 * This adapter only translates; all behaviour lives in @gitlab-id-token/core.
 *
 * @module
 */

import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  createRequestVerifier,
  grantCheck,
  type AdapterOptions,
  type VerifyResult,
} from '@gitlab-id-token/core'

/** Per-route setting: `false` skips verification; `{ requireGrants }` narrows it. */
export type GitlabIdTokenRouteConfig = false | { readonly requireGrants?: readonly string[] }

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token; `null` on routes with `config: { gitlabIdToken: false }`. */
    gitlabIdToken: VerifyResult | null
  }
  interface FastifyContextConfig {
    /** `false` to skip verification on this route, or `{ requireGrants: [...] }`. */
    gitlabIdToken?: GitlabIdTokenRouteConfig
  }
}

/**
 * Options of {@link verifyGitlabIdToken}: the core's `VerifierOptions`, or `{ verifier }` to share
 * one, or nothing (read from `GITLAB_ID_TOKEN_*` variables); plus `getToken(request)`.
 */
export type VerifyGitlabIdTokenOptions = AdapterOptions<FastifyRequest>

// async without await on purpose: a configuration error then rejects `register()` instead of
// throwing from inside Fastify's boot sequence.
// eslint-disable-next-line @typescript-eslint/require-await
const plugin: FastifyPluginAsync<VerifyGitlabIdTokenOptions> = async (app, options) => {
  const verify = createRequestVerifier(options, (request: FastifyRequest) => request.raw)
  app.decorateRequest('gitlabIdToken', null)
  // Compile each route's grant check when the route is declared: a typo fails at startup, and a
  // request pays only for the check itself.
  const checks = new WeakMap<object, ReturnType<typeof grantCheck>>()
  const checkFor = (config: object, grants: readonly string[]): ReturnType<typeof grantCheck> => {
    let check = checks.get(config)
    if (check === undefined) checks.set(config, (check = grantCheck(grants)))
    return check
  }
  app.addHook('onRoute', (route) => {
    const config = route.config?.gitlabIdToken
    if (config && config.requireGrants !== undefined) checkFor(config, config.requireGrants)
  })
  // onRequest: the token is a header, so refuse before the body is read or parsed.
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config.gitlabIdToken
    if (config === false) return
    request.gitlabIdToken = await verify(request)
    if (config?.requireGrants !== undefined) {
      checkFor(config, config.requireGrants)(request.gitlabIdToken)
    }
  })
}

/**
 * Verifies every request's GitLab ID token in an `onRequest` hook and sets
 * `request.gitlabIdToken`. Wrapped with `fastify-plugin`, so the hook covers routes of the
 * registering scope and its children. Failures are thrown as `GitlabIdTokenError`, whose
 * `statusCode` and `headers` Fastify's default error handler already applies. The verifier is
 * built during `register`, so bad options or a missing variable reject `await app.register(...)`.
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

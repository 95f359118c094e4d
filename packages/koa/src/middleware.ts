/**
 * Koa middleware for GitLab CI/CD ID tokens (Koa 3; Koa 2 has the same middleware shape).
 *
 * This adapter only translates; all behaviour lives in @gitlab-id-token/core.
 *
 * @module
 */

import type { Middleware, ParameterizedContext } from 'koa'
import {
  createRequestVerifier,
  grantCheck,
  type AdapterOptions,
  type VerifyResult,
} from '@gitlab-id-token/core'

/**
 * The state this middleware adds. Koa's `DefaultState` is `any`, so type your app or router with
 * it: `new Router<GitlabIdTokenState>()`, or chain `app.use(verifyGitlabIdToken())`.
 */
export interface GitlabIdTokenState {
  /** The verified token, set by {@link verifyGitlabIdToken}. */
  gitlabIdToken: VerifyResult
}

/**
 * Options of {@link verifyGitlabIdToken}: the core's `VerifierOptions`, or `{ verifier }` to share
 * one, or nothing (read from `GITLAB_ID_TOKEN_*` variables); plus `getToken(ctx)`.
 */
export type VerifyGitlabIdTokenOptions = AdapterOptions<ParameterizedContext>

/**
 * Verifies the request's GitLab ID token and sets `ctx.state.gitlabIdToken`. Failures are thrown
 * as `GitlabIdTokenError`, whose `status`, `headers` and `expose` Koa's default error handler
 * already applies. The verifier is built here, once: bad options or a missing environment
 * variable throw at startup.
 *
 * @param options - default: `loadOptionsFromEnv(process.env)`.
 * @example
 * ```ts
 * const app = new Koa().use(verifyGitlabIdToken({ audience: 'https://deploy.example.com', policy }))
 * app.use((ctx) => { ctx.body = { project: ctx.state.gitlabIdToken.claims.project_path } })
 * ```
 */
export function verifyGitlabIdToken(
  options?: VerifyGitlabIdTokenOptions,
): Middleware<GitlabIdTokenState> {
  const verify = createRequestVerifier(options, (ctx) => ctx.req)
  return async (ctx, next) => {
    ctx.state.gitlabIdToken = await verify(ctx)
    await next()
  }
}

/**
 * Requires every listed grant (from the policy's matching allow rules); otherwise throws
 * `ERR_INSUFFICIENT_SCOPE` (403, `error="insufficient_scope"`). Use after
 * {@link verifyGitlabIdToken}.
 *
 * @example
 * ```ts
 * router.post('/deploy/production', requireGrants('deploy:production'), deploy)
 * ```
 */
export function requireGrants(...grants: string[]): Middleware<GitlabIdTokenState> {
  const check = grantCheck(grants)
  return async (ctx, next) => {
    check(ctx.state.gitlabIdToken)
    await next()
  }
}

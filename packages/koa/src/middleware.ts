/**
 * Koa middleware for GitLab CI/CD ID tokens (Koa 3; Koa 2 has the same middleware shape).
 *
 * This adapter only translates; all behaviour lives in @gitlab-id-token/core.
 *
 * @module
 */

import type { Middleware, ParameterizedContext } from 'koa'
import type { GatewayAssertion, VerifyResult } from '@gitlab-id-token/core'
import {
  createRequestAssertionVerifier,
  createRequestVerifier,
  grantCheck,
  type AdapterOptions,
} from '@gitlab-id-token/core/adapter'

/**
 * The state this middleware adds. Koa's `DefaultState` is `any`, so type your app or router with
 * it: `new Router<GitlabIdTokenState>()`, or chain `app.use(verifyGitlabIdToken())`.
 */
export interface GitlabIdTokenState {
  /** The verified token, set by {@link verifyGitlabIdToken}. */
  gitlabIdToken: VerifyResult
}

/** The state `verifyGitlabIdToken({ requireGatewayAssertion })` adds instead. */
export interface GitlabGatewayAssertionState {
  /** The gateway's verified assertion. */
  gitlabGatewayAssertion: GatewayAssertion
}

/**
 * Options of {@link verifyGitlabIdToken}: the core's `VerifierOptions`, or `{ verifier }` to share
 * one, or nothing (read from `GITLAB_ID_TOKEN_*` variables); plus `getToken(ctx)` and `optional`.
 */
export type VerifyGitlabIdTokenOptions = AdapterOptions<ParameterizedContext>

/**
 * Verifies the request's GitLab ID token and sets `ctx.state.gitlabIdToken`. Failures are thrown
 * as `GitlabIdTokenError`, whose `status`, `headers` and `expose` Koa's default error handler
 * already applies. The verifier is built here, once: bad options or a missing environment
 * variable throw at startup. `onDecision` receives `ctx` as its second argument. With
 * `optional: true`, type the routes after it with `Partial<GitlabIdTokenState>`. With
 * `requireGatewayAssertion` (behind `@gitlab-id-token/gateway`) it checks the gateway's signed
 * assertion instead and sets `ctx.state.gitlabGatewayAssertion` (type the routes with
 * {@link GitlabGatewayAssertionState}).
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
  if (options?.requireGatewayAssertion !== undefined) {
    const verifyAssertion = createRequestAssertionVerifier(
      options,
      (ctx: ParameterizedContext) => ctx.req,
    )
    return async (ctx, next) => {
      const state = ctx.state as Partial<GitlabGatewayAssertionState>
      state.gitlabGatewayAssertion = await verifyAssertion(ctx)
      await next()
    }
  }
  const verify = createRequestVerifier(options, (ctx) => ctx.req)
  return async (ctx, next) => {
    const result = await verify(ctx)
    if (result !== undefined) ctx.state.gitlabIdToken = result
    await next()
  }
}

/**
 * Requires every listed grant (from the policy's matching allow rules); otherwise throws
 * `ERR_INSUFFICIENT_SCOPE` (403, `error="insufficient_scope"`), reported to `onDecision` with
 * `stage: 'grants'`. Use after {@link verifyGitlabIdToken}; without it, 500 `ERR_INVALID_CONFIG`.
 *
 * @example
 * ```ts
 * router.post('/deploy/production', requireGrants('deploy:production'), deploy)
 * ```
 */
export function requireGrants(...grants: string[]): Middleware<GitlabIdTokenState> {
  const check = grantCheck(grants)
  return (ctx, next) => {
    const state = ctx.state as Partial<GitlabIdTokenState & GitlabGatewayAssertionState>
    check(state.gitlabIdToken ?? state.gitlabGatewayAssertion, ctx)
    return next()
  }
}

/**
 * Express middleware for GitLab CI/CD ID tokens (Express 5 and 4).
 *
 * This adapter only translates; all behaviour lives in @gitlab-id-token/core.
 *
 * @module
 */

import type { Request, RequestHandler } from 'express'
import type { GatewayAssertion, VerifyResult } from '@gitlab-id-token/core'
import {
  createRequestAssertionVerifier,
  createRequestVerifier,
  grantCheck,
  type AdapterOptions,
} from '@gitlab-id-token/core/adapter'

declare global {
  // Express types its request through this global namespace; merging is its documented extension point.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified token, set by `verifyGitlabIdToken()`; `undefined` on routes it did not run
       * on, and with `optional: true` when the request carried no credential.
       */
      gitlabIdToken?: VerifyResult
      /** The gateway's verified assertion, set with `requireGatewayAssertion`. */
      gitlabGatewayAssertion?: GatewayAssertion
    }
  }
}

/**
 * Options of {@link verifyGitlabIdToken}: the core's `VerifierOptions`, or `{ verifier }` to share
 * one, or nothing (read from `GITLAB_ID_TOKEN_*` variables); plus `getToken(req)` and `optional`.
 */
export type VerifyGitlabIdTokenOptions = AdapterOptions<Request>

/**
 * Verifies the request's GitLab ID token and sets `req.gitlabIdToken`. Failures are passed to
 * `next(err)` as a `GitlabIdTokenError`, which carries `status`, `headers` (`WWW-Authenticate`,
 * `Retry-After`) and `toJSON()` with the `request_id` also given to `onDecision`. Mount
 * {@link gitlabIdTokenErrorHandler} to answer with them: Express's default handler sends an HTML
 * page, with a stack trace unless `NODE_ENV=production`.
 *
 * The verifier is built here, once: bad options or a missing environment variable throw now, at
 * startup, not at the first request. `onDecision` receives `req` as its second argument. With
 * `requireGatewayAssertion` (behind `@gitlab-id-token/gateway`) it checks the gateway's signed
 * assertion instead and sets `req.gitlabGatewayAssertion`.
 * Preflight `OPTIONS` requests are not let through: mount your CORS middleware before this one.
 *
 * @param options - default: `loadOptionsFromEnv(process.env)`.
 * @example
 * ```ts
 * app.use(verifyGitlabIdToken({ audience: 'https://deploy.example.com', policy }))
 * app.post('/deploy', (req, res) => res.json({ project: req.gitlabIdToken?.claims.project_path }))
 * app.use(gitlabIdTokenErrorHandler())
 * ```
 */
export function verifyGitlabIdToken(options?: VerifyGitlabIdTokenOptions): RequestHandler {
  if (options?.requireGatewayAssertion !== undefined) {
    const verifyAssertion = createRequestAssertionVerifier(options, (req: Request) => req)
    return (req, _res, next) => {
      void verifyAssertion(req).then((assertion) => {
        req.gitlabGatewayAssertion = assertion
        next()
      }, next)
    }
  }
  const verify = createRequestVerifier(options, (req: Request) => req)
  return (req, _res, next) => {
    // An explicit promise chain rather than an async handler: Express 4 ignores rejected promises.
    void verify(req).then((result) => {
      if (result !== undefined) req.gitlabIdToken = result
      next()
    }, next)
  }
}

/**
 * Requires every listed grant (from the policy's matching allow rules); otherwise `next(err)` with
 * `ERR_INSUFFICIENT_SCOPE` (403, `error="insufficient_scope"`), reported to `onDecision` with
 * `stage: 'grants'`. Mount after {@link verifyGitlabIdToken}; without it the route answers 500
 * `ERR_INVALID_CONFIG` instead of running.
 *
 * @example
 * ```ts
 * app.post('/deploy/production', requireGrants('deploy:production'), deploy)
 * ```
 */
export function requireGrants(...grants: string[]): RequestHandler {
  const check = grantCheck(grants)
  return (req, _res, next) => {
    try {
      check(req.gitlabIdToken ?? req.gitlabGatewayAssertion, req)
    } catch (error) {
      next(error)
      return
    }
    next()
  }
}

/**
 * Express middleware for GitLab CI/CD ID tokens (Express 5 and 4).
 *
 * This adapter only translates; all behaviour lives in @gitlab-id-token/core.
 *
 * @module
 */

import type { Request, RequestHandler } from 'express'
import {
  createRequestVerifier,
  grantCheck,
  type AdapterOptions,
  type VerifyResult,
} from '@gitlab-id-token/core'

declare global {
  // Express types its request through this global namespace; merging is its documented extension point.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified token, set by `verifyGitlabIdToken()`; `undefined` on routes it did not run on. */
      gitlabIdToken?: VerifyResult
    }
  }
}

/**
 * Options of {@link verifyGitlabIdToken}: the core's `VerifierOptions`, or `{ verifier }` to share
 * one, or nothing (read from `GITLAB_ID_TOKEN_*` variables); plus `getToken(req)`.
 */
export type VerifyGitlabIdTokenOptions = AdapterOptions<Request>

/**
 * Verifies the request's GitLab ID token and sets `req.gitlabIdToken`. Failures are passed to
 * `next(err)` as a `GitlabIdTokenError`, which carries `status` and `headers` (`WWW-Authenticate`,
 * `Retry-After`), so Express's default error handler already answers 400/401/403/503 correctly.
 *
 * The verifier is built here, once: bad options or a missing environment variable throw now, at
 * startup, not at the first request. Preflight `OPTIONS` requests are not let through: mount your
 * CORS middleware before this one (it ends preflights itself).
 *
 * @param options - default: `loadOptionsFromEnv(process.env)`.
 * @example
 * ```ts
 * app.use(verifyGitlabIdToken({ audience: 'https://deploy.example.com', policy }))
 * app.post('/deploy', (req, res) => res.json({ project: req.gitlabIdToken?.claims.project_path }))
 * ```
 */
export function verifyGitlabIdToken(options?: VerifyGitlabIdTokenOptions): RequestHandler {
  const verify = createRequestVerifier(options, (req: Request) => req)
  return (req, _res, next) => {
    // An explicit promise chain rather than an async handler: Express 4 ignores rejected promises.
    void verify(req).then((result) => {
      req.gitlabIdToken = result
      next()
    }, next)
  }
}

/**
 * Requires every listed grant (from the policy's matching allow rules); otherwise `next(err)` with
 * `ERR_INSUFFICIENT_SCOPE` (403, `error="insufficient_scope"`). Mount after
 * {@link verifyGitlabIdToken}.
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
      check(req.gitlabIdToken)
    } catch (error) {
      next(error)
      return
    }
    next()
  }
}

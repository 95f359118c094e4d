/**
 * A JSON error handler for the refusals, because Express's default one is unsafe for them.
 *
 * @module
 */

import type { ErrorRequestHandler } from 'express'
import { isGitlabIdTokenError } from '@gitlab-id-token/core'

/**
 * Answers a `GitlabIdTokenError` with its `status`, `headers` (`WWW-Authenticate`,
 * `Retry-After`) and `toJSON()` body (`{ error, error_description, code, request_id }`); passes
 * every other error on with `next(err)`. Express's default handler renders an HTML page with
 * the stack trace whenever `NODE_ENV` is not `production`, and never shows `details`: log those
 * from `onDecision` instead (see the README).
 *
 * @example
 * ```ts
 * app.use(verifyGitlabIdToken(options))
 * app.post('/deploy', requireGrants('deploy'), deploy)
 * app.use(gitlabIdTokenErrorHandler()) // after the routes
 * ```
 */
export function gitlabIdTokenErrorHandler(): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (!isGitlabIdTokenError(error) || res.headersSent) {
      next(error)
      return
    }
    res.status(error.status).set(error.headers).json(error.toJSON())
  }
}

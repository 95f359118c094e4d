/**
 * JSON refusal bodies for Koa, whose default handler answers a 4xx with a text body.
 *
 * @module
 */

import type { Middleware } from 'koa'
import { isGitlabIdTokenError } from '@gitlab-id-token/core'

/**
 * Mount first: answers a `GitlabIdTokenError` thrown further down with its `status`, `headers`
 * and `toJSON()` body (`{ error, error_description, code, request_id }`), and rethrows every
 * other error. Koa's default handler is safe but sends only a text description, without the
 * `request_id` a job can quote.
 *
 * @example
 * ```ts
 * app.use(gitlabIdTokenErrorHandler()).use(verifyGitlabIdToken(options)).use(router.routes())
 * ```
 */
export function gitlabIdTokenErrorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      if (!isGitlabIdTokenError(error)) throw error
      ctx.status = error.status
      ctx.set(error.headers)
      ctx.body = error.toJSON()
    }
  }
}

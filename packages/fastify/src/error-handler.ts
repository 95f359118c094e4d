/**
 * JSON refusal bodies for Fastify, in the shape the Express and Koa adapters answer with.
 *
 * @module
 */

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isGitlabIdTokenError } from '@gitlab-id-token/core'

/**
 * For `app.setErrorHandler()`: answers a `GitlabIdTokenError` with its `status`, `headers` and
 * `toJSON()` body (`{ error, error_description, code, request_id }`); rethrows every other error
 * to the parent handler. Fastify's default handler is safe, but its body is
 * `{ statusCode, code, error, message }` without the `request_id`.
 *
 * @example
 * ```ts
 * app.setErrorHandler(gitlabIdTokenErrorHandler())
 * ```
 */
export function gitlabIdTokenErrorHandler(): (
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply> {
  return async (error, _request, reply) => {
    if (!isGitlabIdTokenError(error)) throw error
    return reply.code(error.status).headers(error.headers).send(error.toJSON())
  }
}

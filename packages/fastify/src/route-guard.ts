/**
 * Makes a route's `config.gitlabIdToken` impossible to skip or to misspell, wherever the route
 * is declared: Fastify offers excess-property checks on no route option and runs a plugin's hooks
 * only inside its encapsulation scope, so a route declared elsewhere would be served unguarded.
 *
 * @module
 */

import { subscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, onRequestHookHandler, RouteOptions } from 'fastify'
import { GitlabIdTokenError } from '@gitlab-id-token/core'
import { grantCheck } from '@gitlab-id-token/core/adapter'

/** Marks a Fastify instance whose routes are guarded; shared by duplicate copies of this package. */
export const GUARDED = Symbol.for('@gitlab-id-token/fastify.guarded')

/** Per-route setting: `false` skips verification; `{ requireGrants }` requires grants. */
export type GitlabIdTokenRouteConfig = false | { readonly requireGrants?: readonly string[] }

const ROUTE_KEYS: ReadonlySet<string> = new Set(['requireGrants'])

/**
 * The route hook behind both `requireGrants()` and `config.gitlabIdToken.requireGrants`. Where
 * the plugin did not run, `request.gitlabIdToken` is absent and the check answers 500
 * `ERR_INVALID_CONFIG`, as Express and Koa do.
 */
export function grantsHook(grants: readonly string[]): onRequestHookHandler {
  const check = grantCheck(grants)
  return (request, _reply, done) => {
    try {
      check(request.gitlabIdToken ?? request.gitlabGatewayAssertion, request)
    } catch (error) {
      done(error as Error)
      return
    }
    done()
  }
}

function invalid(route: RouteOptions, message: string): GitlabIdTokenError {
  const methods = Array.isArray(route.method) ? route.method.join(',') : route.method
  return new GitlabIdTokenError(
    'ERR_INVALID_CONFIG',
    `route ${methods} ${route.url}: config.gitlabIdToken ${message}`,
  )
}

function guardRoute(route: RouteOptions): void {
  const config: unknown = (route.config as { gitlabIdToken?: unknown } | undefined)?.gitlabIdToken
  if (config === undefined || config === false) return
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalid(route, 'must be false or { requireGrants: [...] }')
  }
  for (const key of Object.keys(config)) {
    if (!ROUTE_KEYS.has(key)) {
      throw invalid(route, `has an unknown key "${key}" (known: ${[...ROUTE_KEYS].join(', ')})`)
    }
  }
  const { requireGrants } = config as { requireGrants?: unknown }
  if (requireGrants === undefined) return
  if (!Array.isArray(requireGrants))
    throw invalid(route, 'requireGrants must be an array of grants')
  let hook: onRequestHookHandler
  try {
    hook = grantsHook(requireGrants as readonly string[])
  } catch (error) {
    throw invalid(route, `requireGrants: ${(error as Error).message}`)
  }
  const own = route.onRequest
  route.onRequest = own === undefined ? [hook] : [...(Array.isArray(own) ? own : [own]), hook]
}

/**
 * Every Fastify instance created after this module is imported gets {@link guardRoute} as an
 * `onRoute` hook, through Fastify's documented `fastify.initialization` diagnostics channel: it
 * fires for the root instance, whose hooks every scope inherits.
 */
subscribe('fastify.initialization', (message) => {
  const { fastify } = message as { fastify: FastifyInstance }
  if (fastify.hasDecorator(GUARDED)) return
  fastify.decorate(GUARDED as unknown as string, true)
  fastify.addHook('onRoute', guardRoute)
})

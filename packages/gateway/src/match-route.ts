/**
 * Choosing the route of a request: first match wins, and no match is a refusal.
 *
 * @module
 */

import type { GatewayConfig, GatewayRoute } from './config-types.js'
import { normalizeHost, normalizePath, underPrefix } from './normalize.js'

/**
 * The original request as the proxy described it.
 *
 * @example
 * ```ts
 * const request: OriginalRequest = { method: 'POST', host: 'deploy.acme.example', url: '/deploy/production' }
 * ```
 */
export interface OriginalRequest {
  readonly method: string
  readonly host: string
  /** The request target: path and optional query. */
  readonly url: string
}

/**
 * Why one route did not take the request.
 *
 * @example
 * ```ts
 * // { route: 'deploy-production', why: 'method GET is not one of POST' }
 * ```
 */
export interface RouteMiss {
  readonly route: string
  readonly why: string
}

/**
 * What {@link matchRoute} found.
 *
 * @example
 * ```ts
 * const { route, reasons, path } = matchRoute(config, request)
 * ```
 */
export interface RouteMatch {
  /** The first matching route, if any. */
  readonly route?: GatewayRoute
  /** Every route before it (all routes when none matched) and why it did not match. */
  readonly reasons: readonly RouteMiss[]
  /** The normalised path the routes were compared with. */
  readonly path: string
  /** The normalised host name. */
  readonly host: string
}

/** Whether `host` is taken by the route's host pattern (`*.x` matches exactly one label). */
export function hostMatches(pattern: string | undefined, host: string): boolean {
  if (pattern === undefined) return true
  if (!pattern.startsWith('*.')) return pattern === host
  const suffix = pattern.slice(1)
  return (
    host.endsWith(suffix) &&
    !host.slice(0, -suffix.length).includes('.') &&
    host.length > suffix.length
  )
}

/** Why `route` does not take the request, or `undefined` when it does. */
export function missReason(
  route: GatewayRoute,
  method: string,
  host: { readonly name: string; readonly port?: string },
  path: string,
): string | undefined {
  if (!hostMatches(route.host, host.name)) return `host ${host.name} is not ${route.host}`
  if (route.port !== undefined && route.port !== host.port) {
    return `port ${host.port ?? '(none)'} is not ${route.port}`
  }
  if (!underPrefix(path, route.path)) return `path ${path} is not under ${route.path}`
  if (route.methods !== undefined && !route.methods.has(method)) {
    return `method ${method} is not one of ${[...route.methods].join(', ')}`
  }
  return undefined
}

/**
 * Finds the route of a request, after normalising its path and host once (see
 * {@link normalizePath}). Methods compare uppercase; hosts lowercase without a trailing dot; path
 * prefixes on segment boundaries. Used by the check endpoint and by `gitlab-id-token explain`.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_REQUEST` (400) for a path or host the gateway refuses
 *   to interpret (`%2F`, `%5C`, NUL, `..` above the root, malformed host).
 * @example
 * ```ts
 * const { route, reasons } = matchRoute(config, { method: 'POST', host: 'deploy.acme.example', url: '/deploy/production' })
 * if (route === undefined) console.log(reasons.map((r) => `${r.route}: ${r.why}`).join('\n'))
 * ```
 */
export function matchRoute(
  config: Pick<GatewayConfig, 'routes'>,
  request: OriginalRequest,
): RouteMatch {
  const path = normalizePath(request.url)
  const host = normalizeHost(request.host)
  const method = request.method.toUpperCase()
  const reasons: RouteMiss[] = []
  for (const route of config.routes) {
    const why = missReason(route, method, host, path)
    if (why === undefined) return { route, reasons, path, host: host.name }
    reasons.push({ route: route.name, why })
  }
  return { reasons, path, host: host.name }
}

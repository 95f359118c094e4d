/**
 * Compiling the `routes:` list: normalised patterns, unique names, and no shadowed route.
 *
 * @module
 */

import { GitlabIdTokenError, type Policy } from '@gitlab-id-token/core'
import type { GatewayRoute } from './config-types.js'
import { hostMatches } from './match-route.js'
import { normalizePath, underPrefix } from './normalize.js'

/** A route as written in the file, after schema validation. */
export interface RawRoute {
  readonly name: string
  readonly match: {
    readonly host?: string
    readonly path: string
    readonly methods?: readonly string[]
  }
  readonly audience: string | readonly string[]
  readonly policy: string | Policy
  readonly requireGrants?: readonly string[]
  readonly replay?: 'once' | 'off'
  readonly maxTokenAge?: number
}

function invalid(source: string, message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', `${source}: ${message}`)
}

/**
 * Compiles one route. `policy` is the already-loaded policy and its source.
 *
 * @example
 * ```ts
 * compileRoute(raw, 0, { policy, policySource: '/etc/gw/deploy.yaml' }, 'gateway.yaml')
 * ```
 */
export function compileRoute(
  raw: RawRoute,
  index: number,
  loaded: { readonly policy: Policy; readonly policySource: string },
  source: string,
): GatewayRoute {
  const key = `routes[${index}] (${raw.name})`
  let path: string
  try {
    path = normalizePath(raw.match.path)
  } catch {
    throw invalid(source, `${key}.match.path is not a plain path: write it decoded, e.g. /deploy`)
  }
  const strip = (p: string): string => (p.length > 1 ? p.replace(/\/$/, '') : p)
  if (strip(path) !== strip(raw.match.path)) {
    throw invalid(source, `${key}.match.path must be written normalised: ${strip(path)}`)
  }
  path = strip(path)
  let host: string | undefined
  let port: string | undefined
  if (raw.match.host !== undefined) {
    const [name, hostPort] = raw.match.host.toLowerCase().split(':') as [string, string | undefined]
    host = name.replace(/\.$/, '')
    port = hostPort
  }
  const audiences = [raw.audience].flat()
  return {
    name: raw.name,
    index,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    path,
    ...(raw.match.methods === undefined
      ? {}
      : { methods: new Set(raw.match.methods.map((m) => m.toUpperCase())) }),
    audiences,
    policy: loaded.policy,
    policySource: loaded.policySource,
    requireGrants: raw.requireGrants ?? [],
    replay: raw.replay === 'once',
    ...(raw.maxTokenAge === undefined ? {} : { maxTokenAge: raw.maxTokenAge }),
  }
}

/** Whether every request `later` matches is also matched by `earlier`. */
function covers(earlier: GatewayRoute, later: GatewayRoute): boolean {
  if (earlier.host !== undefined) {
    if (later.host === undefined) return false
    const same = earlier.host === later.host
    if (!same && (later.host.startsWith('*.') || !hostMatches(earlier.host, later.host)))
      return false
  }
  if (earlier.port !== undefined && earlier.port !== later.port) return false
  if (!underPrefix(later.path, earlier.path)) return false
  if (earlier.methods === undefined) return true
  if (later.methods === undefined) return false
  return [...later.methods].every((m) => earlier.methods?.has(m) === true)
}

/**
 * Refuses duplicate names and routes no request can reach because an earlier route takes every
 * request they match (the first match wins, so such a route is a mistake, never intended).
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` naming both routes.
 * @example
 * ```ts
 * assertNoShadowing(routes, 'gateway.yaml')
 * ```
 */
export function assertNoShadowing(routes: readonly GatewayRoute[], source: string): void {
  const names = new Set<string>()
  for (const route of routes) {
    if (names.has(route.name)) {
      throw invalid(
        source,
        `routes[${route.index}].name "${route.name}" is used twice: names must be unique`,
      )
    }
    names.add(route.name)
    const earlier = routes.slice(0, route.index).find((e) => covers(e, route))
    if (earlier !== undefined) {
      throw invalid(
        source,
        `routes[${route.index}] (${route.name}) is shadowed by routes[${earlier.index}] (${earlier.name}), which matches every request it does: move it above, or narrow ${earlier.name}`,
      )
    }
  }
}

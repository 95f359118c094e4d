/**
 * `explain --config gateway.yaml --method M --url U`: which route the gateway picks and why every
 * other route did not, then that route's audience, issuer and policy for the rest of the
 * explanation.
 *
 * @module
 */

import type { GitlabIdTokenErrorCode } from '@gitlab-id-token/core'
import {
  loadGatewayConfig,
  matchRoute,
  type GatewayConfig,
  type GatewayRoute,
} from '@gitlab-id-token/gateway'
import { resolve } from 'node:path'
import type { RouteSettings } from './build-verifier.js'
import type { CommandContext, FlagSpec } from './command.js'
import { stringFlag } from './command.js'
import type { Style } from './style.js'
import { formatTable } from './table.js'
import { UsageError } from './usage-error.js'

/** The route flags of `explain`. */
export const ROUTE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  config: {
    type: 'string',
    value: 'FILE',
    help: 'a gateway config: explain the route it picks too',
  },
  method: {
    type: 'string',
    value: 'METHOD',
    help: 'the request method, with --config (default GET)',
  },
  url: { type: 'string', value: 'URL', help: 'the request URL (https://host/path), with --config' },
}

/** One route's verdict for the request. */
export interface RouteVerdict {
  readonly route: string
  readonly index: number
  readonly matched: boolean
  readonly why: string
}

/** The route part of an explanation. */
export interface RouteExplanation {
  /** The route's verifier settings; `undefined` when no route matched. */
  readonly settings: RouteSettings | undefined
  /** `ERR_ROUTE_NOT_FOUND` when no route matched. */
  readonly code: GitlabIdTokenErrorCode | undefined
  readonly report: {
    readonly request: { readonly method: string; readonly host: string; readonly path: string }
    readonly matched: string | null
    readonly routes: readonly RouteVerdict[]
  }
  text(style: Style): string
}

function settingsOf(config: GatewayConfig, route: GatewayRoute): RouteSettings {
  return {
    issuer: config.issuer,
    audiences: route.audiences,
    policy: { policy: route.policy, allowAnyProject: config.allowAnyProject },
    required: route.requireGrants,
    ...((route.maxTokenAge ?? config.maxTokenAge) === undefined
      ? {}
      : { maxTokenAge: (route.maxTokenAge ?? config.maxTokenAge)! }),
    ...(config.clockTolerance === undefined ? {} : { clockTolerance: config.clockTolerance }),
  }
}

/**
 * Loads the gateway config and matches the request, every route with its verdict: the routes
 * before the match say why they did not take it; the routes after it say whether they would
 * have (first match wins, so they never see it).
 *
 * @example
 * ```ts
 * const route = await explainRoute(context)
 * ```
 */
export async function explainRoute(context: CommandContext): Promise<RouteExplanation> {
  const file = stringFlag(context, 'config')
  const url = stringFlag(context, 'url')
  if (file === undefined) throw new UsageError('--config is required here')
  if (url === undefined || !URL.canParse(url)) {
    throw new UsageError(
      '--url is required with --config',
      'the full request URL, e.g. --url https://deploy.acme.example/deploy/production',
    )
  }
  const method = (stringFlag(context, 'method') ?? 'GET').toUpperCase()
  const config = await loadGatewayConfig(resolve(context.io.cwd, file))
  const target = new URL(url)
  const request = { method, host: target.host, url: `${target.pathname}${target.search}` }
  const match = matchRoute(config, request)
  const verdicts: RouteVerdict[] = match.reasons.map((miss) => ({
    route: miss.route,
    index: config.routes.findIndex((r) => r.name === miss.route),
    matched: false,
    why: miss.why,
  }))
  const chosen = match.route
  if (chosen !== undefined) {
    verdicts.push({
      route: chosen.name,
      index: chosen.index,
      matched: true,
      why: 'matches: host, path and method',
    })
    for (const later of config.routes.slice(chosen.index + 1)) {
      const alone = matchRoute({ routes: [later] }, request)
      verdicts.push({
        route: later.name,
        index: later.index,
        matched: false,
        why:
          alone.route === undefined
            ? (alone.reasons[0]?.why ?? 'no match')
            : `would match too, but ${chosen.name} comes first`,
      })
    }
  }
  const report = {
    request: { method, host: match.host, path: match.path },
    matched: chosen?.name ?? null,
    routes: verdicts,
  }
  return {
    settings: chosen === undefined ? undefined : settingsOf(config, chosen),
    code: chosen === undefined ? 'ERR_ROUTE_NOT_FOUND' : undefined,
    report,
    text(s) {
      const head =
        chosen === undefined
          ? s.red(`✗ no route for ${method} ${match.host}${match.path}: ERR_ROUTE_NOT_FOUND (403)`)
          : s.green(
              `✓ route ${chosen.name} (routes[${chosen.index}]) for ${method} ${match.host}${match.path}`,
            ) +
            (chosen.requireGrants.length === 0
              ? ''
              : `, requires ${chosen.requireGrants.join(', ')}`)
      const table = formatTable(
        ['route', 'result', 'why'],
        verdicts.map((v) => [
          `${v.route} (routes[${v.index}])`,
          v.matched ? s.green('✓ match') : s.dim('- no'),
          v.why,
        ]),
      )
      return `${head}\n\n${table}`
    },
  }
}

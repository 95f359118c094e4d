/**
 * Turning one route of a {@link GatewayConfig} into the core's `VerifierOptions`, and grouping
 * routes so that routes with the same checks share one verifier (and its caches).
 *
 * @module
 */

import { availableParallelism } from 'node:os'
import {
  createVerifier,
  type ReplayStore,
  type SharedKeySetCache,
  type Verifier,
  type VerifierOptions,
} from '@gitlab-id-token/core'
import type { GatewayConfig, GatewayRoute } from './config-types.js'

/**
 * What a running gateway adds to the options a config describes.
 *
 * @example
 * ```ts
 * const runtime: VerifierRuntime = { fetch: sharedFetch, replayStore, onDecision }
 * ```
 */
export interface VerifierRuntime {
  /** One `fetch` shared by every verifier, so key sets are fetched once per issuer. */
  readonly fetch?: typeof fetch
  readonly replayStore?: ReplayStore
  /** The in-process key-set cache shared by every verifier and every generation. */
  readonly keySetCache?: SharedKeySetCache
  /** The core's decision hook. */
  readonly onDecision?: VerifierOptions['onDecision']
}

/**
 * The core options for `route`.
 *
 * @example
 * ```ts
 * createVerifier(verifierOptionsFor(config, config.routes[0], { fetch }))
 * ```
 */
export function verifierOptionsFor(
  config: GatewayConfig,
  route: GatewayRoute,
  runtime: VerifierRuntime,
): VerifierOptions {
  const maxTokenAge = route.maxTokenAge ?? config.maxTokenAge
  const jwks =
    runtime.keySetCache === undefined
      ? config.jwks
      : { ...config.jwks, shared: runtime.keySetCache }
  return {
    audience: route.audiences,
    issuer: config.issuer,
    policy: route.policy,
    allowAnyProject: config.allowAnyProject,
    ...(maxTokenAge === undefined ? {} : { maxTokenAge }),
    ...(config.clockTolerance === undefined ? {} : { clockTolerance: config.clockTolerance }),
    ...(jwks === undefined ? {} : { jwks }),
    // PLAN.md: the gateway verifies on libuv's pool when another check is in flight, if it can.
    crypto: availableParallelism() >= 2 ? 'auto' : 'sync',
    ...(runtime.fetch === undefined ? {} : { fetch: runtime.fetch }),
    ...(route.replay && runtime.replayStore !== undefined
      ? { replay: { store: runtime.replayStore } }
      : {}),
    ...(runtime.onDecision === undefined ? {} : { onDecision: runtime.onDecision }),
  }
}

/**
 * One verifier per distinct set of checks (audiences, policy, replay, token age). The core binds
 * one policy to a verifier, so two routes share one only when everything but the match is equal;
 * key sets are shared across all of them (and across reloads) through `runtime.keySetCache` and
 * the single coalescing `fetch`.
 *
 * @returns route name → verifier.
 * @example
 * ```ts
 * const verifiers = buildRouteVerifiers(config, { fetch: sharedFetch })
 * await verifiers.get('deploy-production')?.verify(token)
 * ```
 */
export function buildRouteVerifiers(
  config: GatewayConfig,
  runtime: VerifierRuntime,
): Map<string, Verifier> {
  const byChecks = new Map<string, Verifier>()
  const byRoute = new Map<string, Verifier>()
  for (const route of config.routes) {
    const key = JSON.stringify([
      [...route.audiences].sort(),
      route.policySource === 'inline' ? route.policy : route.policySource,
      route.replay,
      route.maxTokenAge,
    ])
    let verifier = byChecks.get(key)
    if (verifier === undefined) {
      verifier = createVerifier(verifierOptionsFor(config, route, runtime))
      byChecks.set(key, verifier)
    }
    byRoute.set(route.name, verifier)
  }
  return byRoute
}

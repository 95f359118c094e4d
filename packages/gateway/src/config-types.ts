/**
 * The validated, resolved gateway configuration that {@link loadGatewayConfig} returns.
 *
 * @module
 */

import type { KeyObject } from 'node:crypto'
import type { IssuerConfig, JwksOptions, Policy } from '@gitlab-id-token/core'

/**
 * A proxy contract: which headers carry the original request and how answers are shaped.
 *
 * @example
 * ```ts
 * const profile: ProfileName = 'nginx'
 * ```
 */
export type ProfileName = 'nginx' | 'caddy' | 'haproxy' | 'traefik' | 'envoy'

/**
 * Where an identity header's value comes from.
 *
 * @example
 * ```ts
 * const source: IdentitySource = { kind: 'claim', claim: 'project_id' }
 * ```
 */
export type IdentitySource =
  | { readonly kind: 'claim'; readonly claim: string; readonly default?: string }
  | { readonly kind: 'grants' }
  | { readonly kind: 'route' }

/**
 * One header sent to the proxy on allow.
 *
 * @example
 * ```ts
 * const header: IdentityHeader = { name: 'X-Gitlab-Project-Id', source: { kind: 'claim', claim: 'project_id' } }
 * ```
 */
export interface IdentityHeader {
  readonly name: string
  readonly source: IdentitySource
}

/**
 * One route: what it matches and how its tokens are checked.
 *
 * @example
 * ```ts
 * config.routes[0].path // '/deploy/production' (normalised)
 * ```
 */
export interface GatewayRoute {
  readonly name: string
  /** Position in `routes:` (first match wins). */
  readonly index: number
  /** Lowercase host without trailing dot, or `*.suffix`; `undefined` matches any host. */
  readonly host?: string
  readonly port?: string
  /** Normalised path prefix (no trailing `/` except the root). */
  readonly path: string
  /** Uppercase methods; `undefined` matches any. */
  readonly methods?: ReadonlySet<string>
  readonly audiences: readonly string[]
  readonly policy: Policy
  /** The policy file (absolute) or `'inline'`. */
  readonly policySource: string
  readonly requireGrants: readonly string[]
  readonly replay: boolean
  readonly maxTokenAge?: number
}

/**
 * The signed-assertion settings, with the key loaded.
 *
 * @example
 * ```ts
 * config.assertion?.ttl // 30
 * ```
 */
export interface AssertionSettings {
  readonly header: string
  readonly keyFile: string
  readonly privateKey: KeyObject
  readonly ttl: number
  readonly issuer: string
  readonly audience?: string
}

/**
 * The replay store settings as written (`store` plus store-specific keys).
 *
 * @example
 * ```ts
 * const replay: ReplaySettings = { store: 'memory', max: 50_000 }
 * ```
 */
export interface ReplaySettings {
  readonly store: string
  readonly [option: string]: unknown
}

/**
 * A loaded gateway configuration. Plain data: {@link startGateway} builds verifiers from it.
 *
 * @example
 * ```ts
 * const config = await loadGatewayConfig('gateway.yaml')
 * config.routes.map((r) => r.name)
 * ```
 */
export interface GatewayConfig {
  /** Absolute path of the file, or `'<inline>'`. */
  readonly source: string
  readonly listen: { readonly host: string; readonly port: number }
  readonly admin: { readonly host: string; readonly port: number }
  readonly issuer: string | IssuerConfig | readonly (string | IssuerConfig)[]
  readonly profile: ProfileName
  readonly identityHeaders: readonly IdentityHeader[]
  readonly routes: readonly GatewayRoute[]
  readonly assertion?: AssertionSettings
  readonly replay: ReplaySettings
  /** Resolved process count (`auto` → available parallelism). */
  readonly workers: number
  /** Key-set settings passed to the core (without `shared`, see `keySetCache`). */
  readonly jwks?: Omit<JwksOptions, 'shared' | 'onFetchError'>
  /** `jwks.shared` as written: the fleet-wide key-set cache; default the in-process one. */
  readonly keySetCache?: ReplaySettings
  readonly maxTokenAge?: number
  readonly clockTolerance?: number
  readonly allowAnyProject: boolean
  readonly logLevel: string
}

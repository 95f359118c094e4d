/**
 * The store seams of `gateway.yaml`: `replay: { store: <name>, … }` becomes a core `ReplayStore`
 * and `jwks: { shared: { store: <name>, … } }` a core `SharedKeySetCache`, each built by a factory
 * registered under that name. `memory` is built in; any other name is looked up as the package
 * `@gitlab-id-token/<name>` (e.g. `@gitlab-id-token/redis`) and its `createGatewayReplayStore` /
 * `createGatewayKeySetCache` exports, unless registered explicitly.
 *
 * @module
 */

import {
  createMemoryReplayStore,
  GitlabIdTokenError,
  type ReplayStore,
  type SharedKeySetCache,
} from '@gitlab-id-token/core'
import type { ReplaySettings } from './config-types.js'
import { createMemoryKeySetCache } from './key-set-cache.js'

/**
 * What a factory returns.
 *
 * @example
 * ```ts
 * const handle: ReplayStoreHandle = { store, shared: true, ready: () => client.ping().then(() => true, () => false), close: () => client.quit() }
 * ```
 */
export interface ReplayStoreHandle {
  readonly store: ReplayStore
  /** Whether several gateway processes see the same entries (required when `workers` > 1). */
  readonly shared: boolean
  /** For `/readyz`: whether the store answers now. Default: always ready. */
  readonly ready?: () => boolean | Promise<boolean>
  /** Called when the gateway closes or a reload replaces the store. */
  readonly close?: () => void | Promise<void>
}

/**
 * Builds a store from the `replay:` settings (`store` and the store's own keys).
 *
 * @example
 * ```ts
 * const factory: ReplayStoreFactory = (settings) => ({ store: createMemoryReplayStore(), shared: false })
 * ```
 */
export type ReplayStoreFactory = (
  settings: ReplaySettings,
) => ReplayStoreHandle | Promise<ReplayStoreHandle>

const factories = new Map<string, ReplayStoreFactory>([
  [
    'memory',
    (settings) => ({
      store: createMemoryReplayStore(typeof settings.max === 'number' ? { max: settings.max } : {}),
      shared: false,
    }),
  ],
])

/**
 * Registers the factory for `replay.store: <name>`. Call it before `startGateway`.
 *
 * @example
 * ```ts
 * registerReplayStore('redis', (settings) => createRedisGatewayStore(settings))
 * ```
 */
export function registerReplayStore(name: string, factory: ReplayStoreFactory): void {
  factories.set(name, factory)
}

/**
 * Whether `replay.store: <name>` builds a store shared across processes, without building it:
 * `memory` is not; any other store is assumed shared (the check runs at load time).
 *
 * @example
 * ```ts
 * isSharedStore('memory') // false
 * ```
 */
export function isSharedStore(name: string): boolean {
  return name !== 'memory'
}

async function lookup<F>(
  name: string,
  exported: string,
  registry: Map<string, F>,
  key: string,
): Promise<F> {
  let factory = registry.get(name)
  if (factory !== undefined) return factory
  const specifier = `@gitlab-id-token/${name}`
  try {
    const module = (await import(specifier)) as Record<string, unknown>
    factory = module[exported] as F | undefined
  } catch {
    factory = undefined
  }
  if (typeof factory !== 'function') {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      `${key} "${name}" needs ${specifier} installed (it must export ${exported}), or ${key === 'replay.store' ? 'registerReplayStore' : 'registerKeySetCache'}("${name}", …)`,
    )
  }
  registry.set(name, factory)
  return factory
}

/**
 * Builds the replay store for `settings`.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` when no factory exists.
 * @example
 * ```ts
 * const { store } = await createReplayStore({ store: 'memory', max: 50_000 })
 * ```
 */
export async function createReplayStore(settings: ReplaySettings): Promise<ReplayStoreHandle> {
  const factory = await lookup(
    settings.store,
    'createGatewayReplayStore',
    factories,
    'replay.store',
  )
  return factory(settings)
}

/**
 * What a key-set cache factory returns.
 *
 * @example
 * ```ts
 * const handle: KeySetCacheHandle = { store: createMemoryKeySetCache(), shared: false }
 * ```
 */
export interface KeySetCacheHandle {
  readonly store: SharedKeySetCache
  readonly shared: boolean
  readonly close?: () => void | Promise<void>
}

/**
 * Builds a key-set cache from the `jwks.shared` settings.
 *
 * @example
 * ```ts
 * const factory: KeySetCacheFactory = () => ({ store: createMemoryKeySetCache(), shared: false })
 * ```
 */
export type KeySetCacheFactory = (
  settings: ReplaySettings,
) => KeySetCacheHandle | Promise<KeySetCacheHandle>

const keySetFactories = new Map<string, KeySetCacheFactory>([
  ['memory', () => ({ store: createMemoryKeySetCache(), shared: false })],
])

/**
 * Registers the factory for `jwks: { shared: { store: <name> } }`. Call it before `startGateway`.
 *
 * @example
 * ```ts
 * registerKeySetCache('redis', (settings) => createGatewayKeySetCache(settings))
 * ```
 */
export function registerKeySetCache(name: string, factory: KeySetCacheFactory): void {
  keySetFactories.set(name, factory)
}

/**
 * Builds the key-set cache every verifier of the gateway shares: the in-process one by default
 * (one fetch per issuer for all routes and reloads), or a fleet-wide one from `jwks.shared`.
 *
 * @throws {GitlabIdTokenError} `ERR_INVALID_CONFIG` when no factory exists.
 * @example
 * ```ts
 * const { store } = await createKeySetCache({ store: 'memory' })
 * ```
 */
export async function createKeySetCache(
  settings: ReplaySettings = { store: 'memory' },
): Promise<KeySetCacheHandle> {
  const factory = await lookup(
    settings.store,
    'createGatewayKeySetCache',
    keySetFactories,
    'jwks.shared.store',
  )
  return factory(settings)
}

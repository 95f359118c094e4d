/**
 * The gateway's seams: `replay: { store: redis, url, … }` in `gateway.yaml` is built by
 * `createGatewayReplayStore`, which `@gitlab-id-token/gateway` finds by importing this package.
 *
 * @module
 */

import { GitlabIdTokenError } from '@gitlab-id-token/core'
import type { ReplayStore, SharedKeySetCache } from '@gitlab-id-token/core'
import { createRedisKeySetCache } from './key-set-cache.js'
import type * as RedisModule from 'redis'
import type { RedisCommands } from './redis-commands.js'
import { createRedisReplayStore } from './replay-store.js'

/**
 * The settings block as written in `gateway.yaml` (`replay:` or `jwks.shared:`).
 *
 * @example
 * ```ts
 * const settings: GatewayRedisSettings = { store: 'redis', url: 'redis://127.0.0.1:6379', timeoutMs: 250 }
 * ```
 */
export interface GatewayRedisSettings {
  readonly [option: string]: unknown
}

/**
 * What the gateway's store factories return: the store, whether processes share it, a
 * readiness probe for `/readyz`, and how to close its connection.
 *
 * @example
 * ```ts
 * const { store, ready, close } = await createGatewayReplayStore({ store: 'redis', url })
 * ```
 */
export interface GatewayStoreHandle<S> {
  readonly store: S
  readonly shared: true
  readonly ready: () => boolean
  readonly close: () => Promise<void>
}

interface ConnectedClient extends RedisCommands {
  readonly isReady: boolean
  destroy(): void
}

function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

// The gateway starts even while Redis is down: with fail-closed the store answers 503 and `/readyz`
// says not ready, instead of the process refusing to start (and crash-looping) during an outage.
async function connect(settings: GatewayRedisSettings, where: string): Promise<ConnectedClient> {
  const url = settings.url ?? process.env.REDIS_URL
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw invalid(`${where}.url must be a redis:// or rediss:// URL (or set REDIS_URL)`)
  }
  let redis: typeof RedisModule
  try {
    redis = await import('redis')
  } catch (error) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', `${where}: install the "redis" package`, {
      cause: error,
    })
  }
  const client = redis.createClient({
    url,
    // A dead Redis must fail a command at once, not queue it until our deadline.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000) },
  })
  // node-redis emits 'error' on every failed reconnect; without a listener the process dies. The
  // stores report the outage through their own counters and the gateway's /readyz.
  client.on('error', () => {})
  client.connect().catch(() => {})
  return client
}

function seconds(settings: GatewayRedisSettings, where: string): number | undefined {
  const { timeout, timeoutMs } = settings
  if (timeoutMs !== undefined) {
    if (typeof timeoutMs !== 'number') throw invalid(`${where}.timeoutMs must be a number`)
    return timeoutMs / 1000
  }
  if (timeout !== undefined && typeof timeout !== 'number') {
    throw invalid(`${where}.timeout must be a number of seconds`)
  }
  return timeout
}

function optionalString(
  settings: GatewayRedisSettings,
  key: string,
  where: string,
): string | undefined {
  const value = settings[key]
  if (value !== undefined && typeof value !== 'string')
    throw invalid(`${where}.${key} must be a string`)
  return value
}

// The settings both stores read the same way, validated before any connection is opened.
function commonOptions(
  settings: GatewayRedisSettings,
  where: string,
): { timeout?: number; prefix?: string } {
  const timeout = seconds(settings, where)
  const prefix = optionalString(settings, 'prefix', where)
  return {
    ...(timeout === undefined ? {} : { timeout }),
    ...(prefix === undefined ? {} : { prefix }),
  }
}

// `ready` feeds the gateway's /readyz. A store that answers locally during an outage stays ready,
// or a Redis outage would take every instance of the fleet out of the load balancer at once.
function handleFor<S>(
  store: S,
  client: ConnectedClient,
  answersDuringOutage = false,
): GatewayStoreHandle<S> {
  return {
    store,
    shared: true,
    ready: answersDuringOutage ? () => true : () => client.isReady,
    close: () => Promise.resolve(client.destroy()),
  }
}

/**
 * Builds the Redis replay store for `replay: { store: redis, … }`: keys `url` (default
 * `$REDIS_URL`), `prefix`, `timeoutMs` (or `timeout` in seconds), and `onUnavailable`
 * (`fail-closed`, the default, or `local-fallback`/`local`).
 *
 * @example
 * ```yaml
 * replay: { store: redis, url: redis://redis.internal:6379, timeoutMs: 250 }
 * ```
 */
export async function createGatewayReplayStore(
  settings: GatewayRedisSettings,
): Promise<GatewayStoreHandle<ReplayStore>> {
  const onUnavailable = settings.onUnavailable ?? 'fail-closed'
  if (
    onUnavailable !== 'fail-closed' &&
    onUnavailable !== 'local-fallback' &&
    onUnavailable !== 'local'
  ) {
    throw invalid('replay.onUnavailable must be fail-closed or local-fallback')
  }
  const common = commonOptions(settings, 'replay')
  const client = await connect(settings, 'replay')
  const store = createRedisReplayStore({
    client,
    onUnavailable: onUnavailable === 'fail-closed' ? 'fail-closed' : 'local',
    ...common,
  })
  return handleFor(store, client, onUnavailable !== 'fail-closed')
}

/**
 * Builds the shared key-set cache for `jwks: { shared: { store: redis, … } }`: keys `url`
 * (default `$REDIS_URL`), `secretEnv` (the name of the environment variable holding the fleet
 * secret; a secret never belongs in the file), `prefix`, `timeoutMs` (or `timeout`).
 *
 * @example
 * ```yaml
 * jwks: { shared: { store: redis, url: redis://redis.internal:6379, secretEnv: JWKS_FLEET_SECRET } }
 * ```
 */
export async function createGatewayKeySetCache(
  settings: GatewayRedisSettings,
): Promise<GatewayStoreHandle<SharedKeySetCache>> {
  const secretEnv = optionalString(settings, 'secretEnv', 'jwks.shared') ?? 'JWKS_FLEET_SECRET'
  const secret = process.env[secretEnv]
  if (secret === undefined)
    throw invalid(`jwks.shared: environment variable ${secretEnv} is not set`)
  const common = commonOptions(settings, 'jwks.shared')
  const client = await connect(settings, 'jwks.shared')
  const store = createRedisKeySetCache({ client, secret, ...common })
  return handleFor(store, client)
}

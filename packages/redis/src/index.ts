/**
 * `@gitlab-id-token/redis`: fleet mode for the GitLab ID-token verifier. One `jti` replay store
 * and one key-set fetch for every instance that shares a Redis.
 *
 * @module
 */

export { createRedisReplayStore } from './replay-store.js'
export type { RedisReplayStore, RedisReplayStoreOptions } from './replay-store.js'
export type { RedisReplayStoreEvent, ReplayStoreStats } from './outage.js'
export { MAX_JTI_LENGTH, replayKey } from './replay-key.js'
export type { ReplayContext } from '@gitlab-id-token/core'
export { createRedisKeySetCache } from './key-set-cache.js'
export type {
  KeySetCacheStats,
  RedisKeySetCache,
  RedisKeySetCacheEvent,
  RedisKeySetCacheOptions,
} from './key-set-cache.js'
export { MIN_SECRET_BYTES } from './entry-seal.js'
export type { FleetSecret, RefusalReason } from './entry-seal.js'
export { RedisDeadlineError } from './deadline.js'
export type { RedisFailureReason } from './deadline.js'
export { DEFAULT_PREFIX, issuerTag } from './settings.js'
export { pxOptions } from './redis-commands.js'
export type { RedisCommands, RedisSetOptions } from './redis-commands.js'
export { createGatewayKeySetCache, createGatewayReplayStore } from './gateway-factories.js'
export type { GatewayRedisSettings, GatewayStoreHandle } from './gateway-factories.js'

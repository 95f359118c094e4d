/**
 * A fleet-wide `jti` replay store on Redis: `SET key 1 PX ttl NX` under our own deadline.
 *
 * @module
 */

import { createMemoryReplayStore, GitlabIdTokenError } from '@gitlab-id-token/core'
import type { ReplayStore } from '@gitlab-id-token/core'
import { failureReason, withDeadline } from './deadline.js'
import type { RedisFailureReason } from './deadline.js'
import { pxOptions } from './redis-commands.js'
import type { RedisCommands } from './redis-commands.js'
import { replayContext, replayKey } from './replay-key.js'
import type { ReplayContext } from '@gitlab-id-token/core'
import { resolveClient, resolvePrefix, resolveSeconds } from './settings.js'
import { createOutageTracker } from './outage.js'
import type { RedisReplayStoreEvent, ReplayStoreStats } from './outage.js'

/**
 * Options of {@link createRedisReplayStore}. Durations are in seconds.
 *
 * @example
 * ```ts
 * const options: RedisReplayStoreOptions = { client, prefix: 'deploy-api', timeout: 0.25 }
 * ```
 */
export interface RedisReplayStoreOptions {
  /** Required: a connected client (node-redis as is; see the README for ioredis). */
  readonly client: RedisCommands
  /** Start of every key. Default `'gitlab-id-token'`. */
  readonly prefix?: string
  /** Deadline of each `SET`, whatever the client does. Default 0.25. */
  readonly timeout?: number
  /**
   * What a call does when Redis misses the deadline, fails or answers nonsense:
   * - `'fail-closed'` (default): reject with `ERR_REPLAY_UNAVAILABLE` (503 + `Retry-After`).
   * - `'local'`: answer from a per-process memory store until Redis answers again. A replay to
   *   the same instance is still refused; one to another instance is not.
   *
   * There is deliberately no value that admits a token without any replay check.
   */
  readonly onUnavailable?: 'fail-closed' | 'local'
  /** Entries of the `'local'` fallback store. Default 100000 (the core memory store's default). */
  readonly localMax?: number
  /** `Retry-After` of `ERR_REPLAY_UNAVAILABLE`. Default 5. */
  readonly retryAfter?: number
  /** Outage start (once per outage) and recovery, for logs and metrics. Its errors are ignored. */
  readonly onEvent?: (event: RedisReplayStoreEvent) => void
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

/**
 * A {@link ReplayStore} with its outage counters.
 *
 * @example
 * ```ts
 * metrics.gauge('replay_degraded', store.stats().unavailable ? 1 : 0)
 * ```
 */
export interface RedisReplayStore extends ReplayStore {
  remember(key: string, expiresAtMs: number, context?: ReplayContext): Promise<boolean>
  /** Counters since creation. */
  stats(): ReplayStoreStats
}

// Warehouse (PyPI) keeps a used jti 5 s past exp + leeway; the core already adds its clock
// tolerance to expiresAtMs, so this only covers the round trip and Redis's expiry granularity.
const TTL_MARGIN_MS = 5_000
// In 'local' mode a hung Redis would otherwise cost every request the full deadline.
const PROBE_INTERVAL_MS = 1_000

/**
 * A {@link ReplayStore} shared by every instance that uses the same Redis: a token ID is admitted
 * once fleet-wide. Each call is one `SET {prefix}:jti:{issuerTag}:{jti} 1 PX <ttl> NX` (a relative
 * TTL, so Redis's clock plays no part), under a deadline of our own; a reply after the deadline is
 * ignored, which can only make a later use look replayed, never admit one.
 *
 * Give the client `disableOfflineQueue: true` so a dead Redis fails at once instead of queueing
 * until the deadline, and an `'error'` listener (node-redis crashes the process without one).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createVerifier } from '@gitlab-id-token/core'
 * import { createRedisReplayStore } from '@gitlab-id-token/redis'
 *
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true })
 * client.on('error', (error) => log.warn({ err: error }, 'redis'))
 * await client.connect()
 * const verifier = createVerifier({
 *   audience: 'https://deploy.example.com',
 *   policy,
 *   replay: { store: createRedisReplayStore({ client }) },
 * })
 * ```
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  const client = resolveClient(options.client, ['set'])
  const prefix = resolvePrefix(options.prefix)
  const timeoutMs = resolveSeconds('timeout', options.timeout, 0.25)
  const retryAfter = Math.ceil(resolveSeconds('retryAfter', options.retryAfter, 5) / 1000)
  const mode = options.onUnavailable ?? 'fail-closed'
  if (mode !== 'fail-closed' && mode !== 'local') {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      '"onUnavailable" must be "fail-closed" or "local"',
    )
  }
  const localMax = options.localMax ?? 100_000
  // Checked now: the fallback store is only built during an outage, too late to refuse a typo.
  if (!Number.isSafeInteger(localMax) || localMax < 1) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', '"localMax" must be a positive integer')
  }
  const now = options.now ?? Date.now
  const outage = createOutageTracker(now, mode === 'local', options.onEvent)

  // The fallback store outlives the outage until its last entry expires: a token admitted locally
  // is unknown to Redis, so the same instance must keep refusing its replay after recovery.
  let local: { store: ReplayStore; until: number } | undefined
  let lastProbe = 0

  // The context goes along so the fallback keeps the core store's per-tenant share: during an
  // outage one project must not fill it and lock every other project out.
  const rememberLocally = async (
    key: string,
    expiresAtMs: number,
    context: ReplayContext | undefined,
  ): Promise<boolean> => {
    local ??= { store: createMemoryReplayStore({ max: localMax, now }), until: 0 }
    local.until = Math.max(local.until, expiresAtMs)
    outage.answeredLocally()
    return local.store.remember(key, expiresAtMs, context)
  }

  const unavailable = (reason: RedisFailureReason, error: Error): GitlabIdTokenError => {
    outage.failed(reason, error)
    return new GitlabIdTokenError('ERR_REPLAY_UNAVAILABLE', 'replay store unavailable', {
      cause: error,
      details: { reason },
      retryAfter,
    })
  }

  const askRedis = async (key: string, ttlMs: number): Promise<boolean> => {
    let reply: unknown
    try {
      reply = await withDeadline(
        () => client.set(key, '1', pxOptions(ttlMs, { onlyIfAbsent: true })),
        timeoutMs,
      )
    } catch (error) {
      throw unavailable(failureReason(error), error as Error)
    }
    // SET … NX answers +OK when it wrote the key and a null reply when the key existed
    // (https://redis.io/docs/latest/commands/set/); anything else is not an answer.
    if (reply === null || isOk(reply)) {
      outage.succeeded()
      return reply !== null
    }
    throw unavailable('invalid-answer', new Error('SET NX answered neither OK nor null'))
  }

  return {
    async remember(key, expiresAtMs, context) {
      const { issuer, jti } = replayContext(key, context)
      const redisKey = replayKey(prefix, issuer, jti)
      const at = now()
      if (!Number.isFinite(expiresAtMs)) {
        throw unavailable('error', new TypeError('expiresAtMs must be a finite number'))
      }
      const ttlMs = Math.max(0, expiresAtMs - at) + TTL_MARGIN_MS
      if (local !== undefined && local.until <= at && !outage.unavailable()) local = undefined

      if (mode === 'local' && outage.unavailable() && at - lastProbe < PROBE_INTERVAL_MS) {
        return rememberLocally(redisKey, expiresAtMs, context)
      }
      lastProbe = at
      let fresh: boolean
      try {
        fresh = await askRedis(redisKey, ttlMs)
      } catch (error) {
        if (mode === 'local') return rememberLocally(redisKey, expiresAtMs, context)
        throw error
      }
      // Refuse a replay of a token the local fallback admitted while Redis was away.
      if (fresh && local !== undefined) return local.store.remember(redisKey, expiresAtMs)
      return fresh
    },
    stats: () => outage.stats(),
  }
}

function isOk(reply: unknown): boolean {
  if (reply === 'OK') return true
  // A client configured to map replies to Buffers.
  return reply instanceof Uint8Array && Buffer.from(reply).toString('latin1') === 'OK'
}

/**
 * The fleet's shared key-set cache on Redis: one discovery and one key-set fetch per refresh for
 * every instance, with entries only the fleet secret can write.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'
import { GitlabIdTokenError } from '@gitlab-id-token/core'
import type { SharedKeySetCache } from '@gitlab-id-token/core'
import { failureReason, withDeadline } from './deadline.js'
import { importSecrets, openEntry, sealEntry } from './entry-seal.js'
import type { FleetSecret, RefusalReason } from './entry-seal.js'
import { pxOptions } from './redis-commands.js'
import type { RedisCommands } from './redis-commands.js'
import { issuerTag, resolveClient, resolvePrefix, resolveSeconds } from './settings.js'

/**
 * What `onEvent` receives: `refused` for every stored entry that failed the integrity check (a
 * tampered value, or one sealed with a secret this instance does not hold), `error` for every
 * Redis call that failed or missed its deadline (the core then fetches on its own).
 *
 * @example
 * ```ts
 * onEvent: (event) => event.type === 'refused' && alert('shared key set tampered', event)
 * ```
 */
export type RedisKeySetCacheEvent =
  | { readonly type: 'refused'; readonly issuer: string; readonly reason: RefusalReason }
  | {
      readonly type: 'error'
      readonly issuer: string
      readonly operation: 'get' | 'set' | 'lock' | 'unlock'
      readonly reason: 'timeout' | 'error' | 'invalid-answer'
      readonly error: Error
    }

/**
 * Counters since creation.
 *
 * @example
 * ```ts
 * if (cache.stats().refused > 0) alert('someone wrote the shared key set without the secret')
 * ```
 */
export interface KeySetCacheStats {
  readonly hits: number
  readonly misses: number
  /** Entries refused by the integrity check or the size cap. */
  readonly refused: number
  readonly writes: number
  readonly locksTaken: number
  readonly errors: number
}

/**
 * Options of {@link createRedisKeySetCache}. Durations are in seconds.
 *
 * @example
 * ```ts
 * const options: RedisKeySetCacheOptions = { client, secret: process.env.JWKS_FLEET_SECRET! }
 * ```
 */
export interface RedisKeySetCacheOptions {
  /** Required: a connected client (node-redis as is; see the README for ioredis). */
  readonly client: RedisCommands
  /** Required: at least 32 bytes shared by the fleet (an array while rotating: first one seals). */
  readonly secret: FleetSecret
  /** Start of every key. Default `'gitlab-id-token'`. */
  readonly prefix?: string
  /** Deadline of each Redis call. Default 0.25. */
  readonly timeout?: number
  /** Replaces the lock TTL the core asks for. Default: the core's value. */
  readonly lockTtl?: number
  /** How long Redis keeps an entry nobody refreshes. Default 86400 (the core's `maxStale`). */
  readonly entryTtl?: number
  /** Larger stored values are refused unread. Default 1 MiB (the core caps a key set at 512 KiB). */
  readonly maxEntryBytes?: number
  /** Refused entries and failed calls. Its errors are ignored. */
  readonly onEvent?: (event: RedisKeySetCacheEvent) => void
}

/**
 * The core's {@link SharedKeySetCache} (`jwks.shared`) with its counters.
 *
 * @example
 * ```ts
 * metrics.counter('jwks_shared_refused', cache.stats().refused)
 * ```
 */
export interface RedisKeySetCache extends SharedKeySetCache {
  stats(): KeySetCacheStats
}

// Only delete the lock if it still holds our token: after our TTL ran out another instance may
// hold it (https://redis.io/docs/latest/develop/use/patterns/distributed-locks/).
const UNLOCK =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

/**
 * The Redis side of the core's `jwks.shared`: `{prefix}:jwks:{issuerTag}` holds the last key-set
 * document any instance fetched, with its fetch time, sealed with HMAC-SHA256 under `secret`;
 * `{prefix}:jwks-lock:{issuerTag}` is a `SET … NX PX` lock naming the one instance that fetches.
 * An entry that fails the check is refused, counted and reported, and the core fetches itself.
 * Every method rejects when Redis fails or misses the deadline; the core then falls back to its
 * own fetch, and never waits on Redis while it holds a usable key set.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createVerifier } from '@gitlab-id-token/core'
 * import { createRedisKeySetCache } from '@gitlab-id-token/redis'
 *
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true })
 * client.on('error', (error) => log.warn({ err: error }, 'redis'))
 * await client.connect()
 * const verifier = createVerifier({
 *   audience: 'https://deploy.example.com',
 *   policy,
 *   jwks: { shared: createRedisKeySetCache({ client, secret: process.env.JWKS_FLEET_SECRET! }) },
 * })
 * ```
 */
export function createRedisKeySetCache(options: RedisKeySetCacheOptions): RedisKeySetCache {
  const client = resolveClient(options.client, ['get', 'set', 'eval'])
  const secrets = importSecrets(options.secret)
  const prefix = resolvePrefix(options.prefix)
  const timeoutMs = resolveSeconds('timeout', options.timeout, 0.25)
  const lockTtlMs =
    options.lockTtl === undefined ? undefined : resolveSeconds('lockTtl', options.lockTtl, 1)
  const entryTtlMs = resolveSeconds('entryTtl', options.entryTtl, 86_400)
  const maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024
  if (!Number.isSafeInteger(maxEntryBytes) || maxEntryBytes < 1) {
    throw new GitlabIdTokenError('ERR_INVALID_CONFIG', '"maxEntryBytes" must be a positive integer')
  }
  // Names this process in the lock it holds, so unlock never releases someone else's.
  const owner = randomUUID()
  const counts = { hits: 0, misses: 0, refused: 0, writes: 0, locksTaken: 0, errors: 0 }
  const entryKey = (issuer: string): string => `${prefix}:jwks:${issuerTag(issuer)}`
  const lockKey = (issuer: string): string => `${prefix}:jwks-lock:${issuerTag(issuer)}`

  const emit = (event: RedisKeySetCacheEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // A logging hook must not change what the cache answers.
    }
  }

  const fail = (
    issuer: string,
    operation: 'get' | 'set' | 'lock' | 'unlock',
    reason: 'timeout' | 'error' | 'invalid-answer',
    error: Error,
  ): GitlabIdTokenError => {
    counts.errors += 1
    emit({ type: 'error', issuer, operation, reason, error })
    return new GitlabIdTokenError('ERR_JWKS_UNAVAILABLE', 'shared key-set cache unavailable', {
      cause: error,
      details: { issuer, reason: `shared cache ${operation}: ${reason}` },
    })
  }

  const call = async (
    issuer: string,
    operation: 'get' | 'set' | 'lock' | 'unlock',
    run: () => Promise<unknown>,
  ): Promise<unknown> => {
    try {
      return await withDeadline(run, timeoutMs)
    } catch (error) {
      throw fail(issuer, operation, failureReason(error), error as Error)
    }
  }

  return {
    async get(issuer) {
      const raw = await call(issuer, 'get', () => client.get(entryKey(issuer)))
      if (raw === null || raw === undefined) {
        counts.misses += 1
        return undefined
      }
      const text =
        typeof raw === 'string'
          ? raw
          : raw instanceof Uint8Array
            ? Buffer.from(raw).toString('utf8')
            : undefined
      if (text === undefined)
        throw fail(issuer, 'get', 'invalid-answer', new Error('GET answered a non-string'))
      const opened = openEntry(secrets, issuer, text, maxEntryBytes)
      if ('refused' in opened) {
        counts.refused += 1
        emit({ type: 'refused', issuer, reason: opened.refused })
        return undefined
      }
      counts.hits += 1
      return opened.entry
    },
    async set(issuer, entry) {
      const value = sealEntry(secrets, issuer, entry)
      // Writing what every reader would refuse only evicts a good entry.
      if (Buffer.byteLength(value, 'utf8') > maxEntryBytes) return
      await call(issuer, 'set', () =>
        client.set(entryKey(issuer), value, pxOptions(entryTtlMs, { onlyIfAbsent: false })),
      )
      counts.writes += 1
    },
    async lock(issuer, ttlMs) {
      const ttl = lockTtlMs ?? (Number.isFinite(ttlMs) && ttlMs > 0 ? ttlMs : 5_000)
      const reply = await call(issuer, 'lock', () =>
        client.set(lockKey(issuer), owner, pxOptions(ttl, { onlyIfAbsent: true })),
      )
      if (reply === null) return false
      counts.locksTaken += 1
      return true
    },
    async unlock(issuer) {
      await call(issuer, 'unlock', () =>
        client.eval(UNLOCK, { keys: [lockKey(issuer)], arguments: [owner] }),
      )
    },
    stats: () => ({ ...counts }),
  }
}

/**
 * The in-memory `jti` replay store.
 *
 * @module
 */

import { LRUCache } from 'lru-cache'
import { GitlabIdTokenError } from './errors.js'
import type { ReplayStore } from './types.js'

/**
 * Options of {@link createMemoryReplayStore}.
 *
 * @example
 * ```ts
 * createMemoryReplayStore({ max: 50_000 })
 * ```
 */
export interface MemoryReplayStoreOptions {
  /** Most token IDs remembered at once. Default 100000. */
  readonly max?: number
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

/**
 * A bounded, in-process {@link ReplayStore}: each key is remembered until its expiry.
 *
 * When the store is full of unexpired entries it refuses new keys (returns `false`, so the token
 * is treated as replayed) rather than forgetting a live one: forgetting would re-open exactly the
 * replay it exists to stop. Size `max` above your peak number of tokens alive at once. For several
 * processes, use a shared store instead.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   audience: 'https://deploy.example.com',
 *   policy,
 *   replay: { store: createMemoryReplayStore({ max: 50_000 }) },
 * })
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const max = options.max ?? 100_000
  const now = options.now ?? Date.now
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      'replay store "max" must be a positive integer',
    )
  }
  const seen = new LRUCache<string, number>({ max: max + 1 })
  const purgeExpired = (at: number): void => {
    for (const [key, expiresAt] of seen.entries()) if (expiresAt <= at) seen.delete(key)
  }
  return {
    remember(key, expiresAtMs) {
      const at = now()
      const previous = seen.get(key)
      if (previous !== undefined && previous > at) return false
      if (seen.size >= max) purgeExpired(at)
      if (seen.size >= max) return false
      seen.set(key, expiresAtMs)
      return true
    },
  }
}

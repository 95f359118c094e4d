/**
 * The in-process key-set cache every verifier of a gateway shares, across reloads too: the core's
 * `jwks.shared` seam (PLAN.md) with a `Map` behind it. N routes on one issuer make one key-set
 * fetch, and a reloaded configuration starts with the keys the old one had.
 *
 * @module
 */

import type { SharedKeySetCache, SharedKeySetEntry } from '@gitlab-id-token/core'

/**
 * Creates an in-memory {@link SharedKeySetCache}. Locks expire after their `ttlMs`, so a fetch
 * that never settles cannot block the others for longer than the core asked.
 *
 * @example
 * ```ts
 * const shared = createMemoryKeySetCache()
 * createVerifier({ audience, policy, jwks: { shared } })
 * ```
 */
export function createMemoryKeySetCache(now: () => number = Date.now): SharedKeySetCache {
  const entries = new Map<string, SharedKeySetEntry>()
  const locks = new Map<string, number>()
  return {
    get: (issuer) => Promise.resolve(entries.get(issuer)),
    set: (issuer, entry) => {
      const previous = entries.get(issuer)
      // Never replace a newer key set with an older one written by a slower fetch.
      if (previous === undefined || previous.fetchedAt <= entry.fetchedAt)
        entries.set(issuer, entry)
      return Promise.resolve()
    },
    lock: (issuer, ttlMs) => {
      const until = locks.get(issuer)
      if (until !== undefined && until > now()) return Promise.resolve(false)
      locks.set(issuer, now() + ttlMs)
      return Promise.resolve(true)
    },
    unlock: (issuer) => {
      locks.delete(issuer)
      return Promise.resolve()
    },
  }
}

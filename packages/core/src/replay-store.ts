/**
 * The in-memory `jti` replay store.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'
import { ExpiryBuckets } from './expiry-buckets.js'
import { assertKnownKeys } from './option-keys.js'
import type { ReplayStore } from './types.js'

/**
 * Options of {@link createMemoryReplayStore}.
 *
 * @example
 * ```ts
 * createMemoryReplayStore({ max: 50_000, maxTenantShare: 0.25 })
 * ```
 */
export interface MemoryReplayStoreOptions {
  /** Most token IDs remembered at once. Default 100000. */
  readonly max?: number
  /**
   * The largest fraction of `max` one tenant (the token's `project_id`) may hold, in `(0, 1]`,
   * so one busy or hostile project cannot lock every other one out. Default 0.5; a service
   * called by one project only may set 1.
   */
  readonly maxTenantShare?: number
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

interface Entry {
  readonly expiresAt: number
  readonly tenant: string | undefined
}

const STORE_KEYS: readonly string[] = ['max', 'maxTenantShare', 'now']

function invalid(message: string): GitlabIdTokenError {
  return new GitlabIdTokenError('ERR_INVALID_CONFIG', message)
}

function unavailable(
  reason: 'full' | 'tenant-share',
  retryAfterMs: number,
  tenant?: string,
): GitlabIdTokenError {
  return new GitlabIdTokenError(
    'ERR_REPLAY_UNAVAILABLE',
    reason === 'full' ? 'replay store full' : 'tenant holds its share of the replay store',
    {
      details: tenant === undefined ? { reason } : { reason, tenant },
      retryAfter: Math.max(1, retryAfterMs / 1000),
    },
  )
}

/**
 * A bounded, in-process {@link ReplayStore}: each key is remembered until its expiry.
 *
 * When the store is full of unexpired entries it refuses new keys with `ERR_REPLAY_UNAVAILABLE`
 * (503 + `Retry-After` until the next entry expires) rather than forgetting a live one:
 * forgetting would re-open exactly the replay it exists to stop, and a 401 would blame a caller
 * who did nothing wrong. Expiries sit in 100 ms buckets, so inserting and purging cost
 * amortised O(1) per key however full the store is. One tenant (`project_id`) may hold at most
 * `maxTenantShare` of the capacity. For several processes, use a shared store instead.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   audience: 'https://deploy.example.com',
 *   policy,
 *   replay: { store: createMemoryReplayStore({ max: 50_000 }), only: { grants: ['deploy:prod'] } },
 * })
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  if (typeof options !== 'object' || options === null)
    throw invalid('replay store options must be an object')
  assertKnownKeys(options, STORE_KEYS, 'createMemoryReplayStore')
  const max = options.max ?? 100_000
  const share = options.maxTenantShare ?? 0.5
  const now = options.now ?? Date.now
  if (!Number.isSafeInteger(max) || max < 1) {
    throw invalid('replay store "max" must be a positive integer')
  }
  if (typeof share !== 'number' || !(share > 0) || share > 1) {
    throw invalid('replay store "maxTenantShare" must be a fraction in (0, 1]')
  }
  if (typeof now !== 'function') throw invalid('replay store "now" must be a function')
  const perTenant = Math.max(1, Math.floor(max * share))
  const entries = new Map<string, Entry>()
  const tenants = new Map<string, number>()
  const expiries = new ExpiryBuckets()

  const forget = (key: string, entry: Entry): void => {
    entries.delete(key)
    if (entry.tenant === undefined) return
    const held = (tenants.get(entry.tenant) ?? 1) - 1
    if (held === 0) tenants.delete(entry.tenant)
    else tenants.set(entry.tenant, held)
  }

  const purge = (at: number): void => {
    expiries.drain(at, (key, expiresAt) => {
      const entry = entries.get(key)
      // A bucket may still list a key that was re-remembered with a later expiry since.
      if (entry !== undefined && entry.expiresAt === expiresAt) forget(key, entry)
    })
  }

  return {
    remember(key, expiresAtMs, context) {
      const at = now()
      purge(at)
      const previous = entries.get(key)
      if (previous !== undefined) {
        if (previous.expiresAt > at) return false
        forget(key, previous)
      }
      // Already past its expiry: the token cannot be accepted again, so there is nothing to hold.
      if (!(expiresAtMs > at)) return true
      const tenant = context?.tenant
      if (entries.size >= max) throw unavailable('full', expiries.nextExpiry() - at)
      if (tenant !== undefined && (tenants.get(tenant) ?? 0) >= perTenant) {
        throw unavailable('tenant-share', expiries.nextExpiry() - at, tenant)
      }
      entries.set(key, { expiresAt: expiresAtMs, tenant })
      if (tenant !== undefined) tenants.set(tenant, (tenants.get(tenant) ?? 0) + 1)
      expiries.add(key, expiresAtMs)
      return true
    },
  }
}

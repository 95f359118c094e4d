/**
 * The per-issuer key cache: refresh, refetch budget, coalescing, fleet sharing.
 *
 * @module
 */

import { AbsentKids } from './absent-kids.js'
import { describeKeySet, keyNotFound, reportFetchError, unavailable } from './key-set-health.js'
import { KeySetFreshness } from './key-set-freshness.js'
import { KeySetLoader, type KeySetLoaderOptions } from './key-set-loader.js'
import { keySetHolds, type KeyEntry } from './key-set.js'
import { RefetchBudget } from './refetch-budget.js'
import type { LoadedKeySet } from './shared-key-set.js'
import type { IssuerConfig, IssuerHealth } from './types.js'

// An unknown kid while the budget is spent may be a rotation no fetch has seen yet: retryable.
const BUDGET_SPENT = 'kid not in the key set; the refetch budget is spent until Retry-After'

/**
 * Settings of a {@link KeyProvider}; durations in milliseconds (fetch settings: the loader's).
 *
 * @example
 * ```ts
 * const options: KeyProviderOptions = { ...fetchSettings, cacheMaxAgeMs: 600_000, cooldownMs: 5_000, maxStaleMs: 86_400_000 }
 * ```
 */
export interface KeyProviderOptions extends Pick<
  KeySetLoaderOptions,
  'algorithms' | 'fetch' | 'now' | 'timeoutMs' | 'shared'
> {
  readonly cacheMaxAgeMs: number
  /** Minimum time between on-demand fetches. */
  readonly cooldownMs: number
  /** On-demand fetches per 60 s. Default 6. */
  readonly refetchesPerMinute?: number | undefined
  readonly maxStaleMs: number
  readonly onFetchError?: ((error: Error, issuer: string) => void) | undefined
}

/**
 * Serves one issuer's verification keys.
 *
 * - The whole key set is cached; past `cacheMaxAge` one background refresh runs — started by a
 *   key lookup or by a verified-result cache hit ({@link KeyProvider.holds}) — while the old set
 *   keeps serving, so no request waits on the network once keys are loaded. The age-based refresh
 *   never waits for the refetch budget, so a `cacheMaxAge` below `cooldown` is honoured.
 * - Every fetch is single-flight: any number of concurrent misses share one request.
 * - On-demand fetches (unknown `kid`, failure, cold start) spend a {@link RefetchBudget}. While it
 *   is spent, an unknown `kid` the latest fetch did not look for may be a rotation not yet seen:
 *   it gets 503 `ERR_JWKS_UNAVAILABLE` with `Retry-After`, never a 401 its caller cannot retry.
 *   A `kid` the latest fetch showed absent (asked for during it, or rotated out by it) gets 401.
 * - When fetches fail, the last good key set keeps serving ({@link KeySetFreshness}); with nothing
 *   usable the answer is 503, never a 401 — the caller did nothing wrong.
 * - With `shared`, an instance reads the fleet's entry before fetching, only the lock holder
 *   fetches, and an unknown `kid` re-reads the entry before spending the budget.
 * - `Cache-Control` is ignored: GitLab's `max-age=86400` would hide a rotation for a day.
 *
 * @example
 * ```ts
 * const provider = new KeyProvider({ issuer: 'https://gitlab.com' }, settings)
 * await provider.ready()
 * const keys = await provider.resolve(kid) // synchronous array when cached
 * ```
 */
export class KeyProvider {
  readonly #config: IssuerConfig
  readonly #options: KeyProviderOptions
  readonly #cache: KeySetFreshness
  readonly #loader: KeySetLoader
  readonly #budget: RefetchBudget
  #pending: Promise<void> | undefined
  readonly #kids = new AbsentKids()

  constructor(config: IssuerConfig, options: KeyProviderOptions) {
    this.#config = config
    this.#options = options
    const { cooldownMs: intervalMs, refetchesPerMinute: perMinute } = options
    this.#budget = new RefetchBudget(
      perMinute === undefined ? { intervalMs } : { intervalMs, perMinute },
    )
    // A static key set never goes stale: there is nothing to refresh it from.
    const maxAgeMs = config.jwks !== undefined ? Number.POSITIVE_INFINITY : options.cacheMaxAgeMs
    this.#cache = new KeySetFreshness({
      maxAgeMs,
      maxStaleMs: options.maxStaleMs,
      cooldownMs: options.cooldownMs,
    })
    this.#loader = new KeySetLoader(config, {
      ...options,
      maxAgeMs,
      report: (error) => reportFetchError(options.onFetchError, error, config.issuer),
    })
  }

  /**
   * The candidate keys for `kid`: synchronously when cached (the hot path), as a promise when a
   * fetch or a shared-cache read has to be awaited.
   *
   * @throws GitlabIdTokenError `ERR_KEY_NOT_FOUND` (401) or `ERR_JWKS_UNAVAILABLE` (503).
   */
  resolve(kid: string): readonly KeyEntry[] | Promise<readonly KeyEntry[]> {
    const now = this.#options.now()
    const keys = this.#cache.usable(now)
    if (keys !== undefined) {
      this.#refreshIfOld(now)
      const hit = keys.get(kid)
      if (hit !== undefined) return hit
      if (this.#config.jwks !== undefined) throw this.#keyNotFound(kid)
      if (this.#loader.shared && this.#pending === undefined) {
        return this.#missThroughShared(kid, now)
      }
    }
    return this.#miss(kid, now, keys !== undefined)
  }

  /**
   * Whether `entry` still belongs to the usable key set — same `kid` and thumbprint, so a refresh
   * that returns unchanged keys keeps cached results, and a key that left the set invalidates
   * them. The verified-result cache calls it on every hit, so it also starts the background
   * refresh past `cacheMaxAge`, exactly as a key lookup does.
   */
  holds(entry: KeyEntry): boolean {
    const now = this.#options.now()
    const keys = this.#cache.usable(now)
    if (keys === undefined) return false
    this.#refreshIfOld(now)
    return keySetHolds(keys, entry)
  }

  /**
   * Loads the key set now unless a fresh one is in memory; resolves once a key is usable, or
   * rejects with `ERR_JWKS_UNAVAILABLE` whose `details.reason` says why.
   */
  async ready(): Promise<void> {
    const now = this.#options.now()
    if (this.#cache.usable(now) === undefined || this.#cache.old(now)) {
      if (this.#pending !== undefined) await this.#pending
      else if (this.#budget.allows(now) || this.#cache.refreshDue(now)) {
        await this.#refresh(now, false)
      }
    }
    const later = this.#options.now()
    const keys = this.#cache.usable(later)
    if (keys !== undefined && keys.size > 0) return
    throw keys === undefined
      ? this.#unavailable(later)
      : this.#unavailable(later, 'the key set holds no key usable with the allowed algorithms')
  }

  /** The issuer's key-set state, without fetching. */
  health(): IssuerHealth {
    const now = this.#options.now()
    return describeKeySet({
      issuer: this.#config.issuer,
      usable: this.#cache.usable(now),
      fetchedAt: this.#cache.fetchedAt,
      stale: this.#cache.loaded && this.#cache.old(now),
      lastError: this.#cache.lastError,
      nextFetchAt:
        this.#config.jwks === undefined ? Math.max(now, this.#budget.nextAt(now)) : undefined,
    })
  }

  #miss(kid: string, now: number, loaded: boolean): Promise<readonly KeyEntry[]> {
    if (this.#pending === undefined) {
      if (this.#budget.allows(now)) void this.#refresh(now, loaded)
      else if (!loaded) throw this.#unavailable(now)
      else if (this.#kids.has(kid)) throw this.#keyNotFound(kid)
      else throw this.#unavailable(now, BUDGET_SPENT)
    }
    this.#kids.wait(kid)
    return (this.#pending ?? Promise.resolve()).then(() => this.#afterRefresh(kid))
  }

  async #missThroughShared(kid: string, now: number): Promise<readonly KeyEntry[]> {
    if (await this.#rereadShared(now)) {
      const hit = this.#cache.usable(this.#options.now())?.get(kid)
      if (hit !== undefined) return hit
    }
    const later = this.#options.now()
    return this.#miss(kid, later, this.#cache.usable(later) !== undefined)
  }

  // Another instance may already hold the rotated set: adopt a newer shared entry.
  async #rereadShared(now: number): Promise<boolean> {
    const loaded = await this.#loader.readNewer(this.#cache.fetchedAt, now)
    if (loaded === undefined || loaded.fetchedAt <= this.#cache.fetchedAt) return false
    this.#adopt(loaded, Number.POSITIVE_INFINITY)
    return true
  }

  #refreshIfOld(now: number): void {
    if (this.#pending === undefined && this.#cache.refreshDue(now)) void this.#refresh(now, false)
  }

  /** `forKid`: caused by an unknown `kid` on a loaded set, so only a newer document will do. */
  #refresh(now: number, forKid: boolean): Promise<void> {
    if (this.#pending !== undefined) return this.#pending
    this.#cache.attempted(now)
    this.#budget.record(now)
    this.#pending = this.#loader
      .load(now, { forKid, since: this.#cache.fetchedAt })
      .then(
        (loaded) => this.#adopt(loaded, now),
        (error: unknown) => {
          this.#cache.failed(error)
          reportFetchError(this.#options.onFetchError, error, this.#config.issuer)
        },
      )
      .finally(() => {
        this.#pending = undefined
        this.#kids.clearWaiting()
      })
    return this.#pending
  }

  /** `checkedSince`: the document answers for the waiting kids only if fetched after this. */
  #adopt(loaded: LoadedKeySet, checkedSince: number): void {
    const previous = this.#cache.adopt(loaded.keys, loaded.fetchedAt)
    // Another instance's fetch counts against ours: a fleet spends one budget, not one each.
    if (loaded.shared) this.#budget.observe(loaded.fetchedAt)
    this.#loader.adopt(loaded)
    this.#kids.settle(loaded, previous, !loaded.shared || loaded.fetchedAt >= checkedSince)
  }

  #afterRefresh(kid: string): readonly KeyEntry[] {
    const now = this.#options.now()
    const hit = this.#cache.usable(now)?.get(kid)
    if (hit !== undefined) return hit
    // Without a fresh answer we cannot tell an unknown kid from a rotation we failed to see.
    if (this.#cache.lastError !== undefined) throw this.#unavailable(now)
    if (this.#kids.has(kid) || this.#config.jwks !== undefined) throw this.#keyNotFound(kid)
    // Answered from a shared entry older than this kid, or past the absent-kid bound: retryable.
    throw this.#unavailable(now, BUDGET_SPENT)
  }

  #keyNotFound(kid: string): Error {
    return keyNotFound(kid, this.#cache.usable(this.#options.now()), this.#config.issuer)
  }

  /** 503 with `Retry-After` until the budget allows a fetch; `reason` overrides the last error. */
  #unavailable(now: number, reason?: string): Error {
    return unavailable({
      issuer: this.#config.issuer,
      ...(reason === undefined ? { error: this.#cache.lastError } : { reason }),
      url: this.#loader.jwksUri,
      retryAfterMs: this.#budget.nextAt(now) - now,
    })
  }
}

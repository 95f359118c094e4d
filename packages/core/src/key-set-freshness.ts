/**
 * How long a cached key set serves: fresh until `cacheMaxAge`, then stale-if-error for `maxStale`
 * while refreshes are attempted, then unusable.
 *
 * @module
 */

import type { KeySet } from './key-set.js'

/**
 * Settings of a {@link KeySetFreshness}; durations in milliseconds.
 *
 * @example
 * ```ts
 * const options: KeySetFreshnessOptions = { maxAgeMs: 600_000, maxStaleMs: 86_400_000, cooldownMs: 5_000 }
 * ```
 */
export interface KeySetFreshnessOptions {
  /** Age past which a refresh is due; `Infinity` for a static key set (nothing to refresh from). */
  readonly maxAgeMs: number
  /** How long past `maxAgeMs` the last good set still serves while refreshes fail. */
  readonly maxStaleMs: number
  /** The refetch budget's interval: a failed age-based refresh is retried no faster than this. */
  readonly cooldownMs: number
}

/**
 * One issuer's cached key set and its age.
 *
 * Serving stale keys while GitLab is unreachable is RFC 5861's stale-if-error: a verifier that
 * dropped its keys at `cacheMaxAge` would turn a GitLab outage into an outage of every service
 * that verifies its tokens, although the keys rotate rarely and are announced in advance.
 *
 * @example
 * ```ts
 * const freshness = new KeySetFreshness({ maxAgeMs: 600_000, maxStaleMs: 86_400_000, cooldownMs: 5_000 })
 * freshness.adopt(keys, Date.now())
 * if (freshness.refreshDue(now)) startRefresh()
 * const usable = freshness.usable(now) // undefined once past maxAge + maxStale
 * ```
 */
export class KeySetFreshness {
  readonly maxAgeMs: number
  readonly #maxStaleMs: number
  readonly #cooldownMs: number
  #keys: KeySet | undefined
  #fetchedAt = Number.NEGATIVE_INFINITY
  #lastAttemptAt = Number.NEGATIVE_INFINITY
  #lastError: unknown

  constructor(options: KeySetFreshnessOptions) {
    this.maxAgeMs = options.maxAgeMs
    this.#maxStaleMs = options.maxStaleMs
    this.#cooldownMs = options.cooldownMs
  }

  /** When the cached set was fetched (ms); `-Infinity` before the first one. */
  get fetchedAt(): number {
    return this.#fetchedAt
  }

  /** The last refresh's error, cleared by the next adopted set. */
  get lastError(): unknown {
    return this.#lastError
  }

  /** Whether a set was ever loaded (usable or not). */
  get loaded(): boolean {
    return this.#keys !== undefined
  }

  /** The cached set while it may serve, fresh or stale; `undefined` before or past `maxStale`. */
  usable(now: number): KeySet | undefined {
    if (this.#keys === undefined) return undefined
    return now - this.#fetchedAt <= this.maxAgeMs + this.#maxStaleMs ? this.#keys : undefined
  }

  /** Whether the cached set (or its absence) is past `cacheMaxAge`. */
  old(now: number): boolean {
    return now - this.#fetchedAt > this.maxAgeMs
  }

  /**
   * Whether an age-based refresh should start: past `cacheMaxAge`, and after a failed attempt no
   * sooner than the smaller of `cacheMaxAge` and the cooldown — never waiting for the kid-miss
   * cooldown itself, so a `cacheMaxAge` below `cooldown` is honoured (jose's behaviour).
   */
  refreshDue(now: number): boolean {
    if (!this.old(now)) return false
    return now - this.#lastAttemptAt >= Math.min(this.maxAgeMs, this.#cooldownMs)
  }

  /** Records that a fetch started at `now`. */
  attempted(now: number): void {
    this.#lastAttemptAt = now
  }

  /** Records a failed fetch; the cached set keeps serving within its windows. */
  failed(error: unknown): void {
    this.#lastError = error
  }

  /** Takes a new set fetched at `fetchedAt`; returns the set it replaces. */
  adopt(keys: KeySet, fetchedAt: number): KeySet | undefined {
    const previous = this.#keys
    this.#keys = keys
    this.#fetchedAt = fetchedAt
    this.#lastError = undefined
    return previous
  }
}

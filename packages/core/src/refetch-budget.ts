/**
 * How often an issuer's key set may be refetched on demand (unknown `kid`, failed fetch, cold
 * start): a short minimum interval plus a per-minute cap.
 *
 * @module
 */

import { GitlabIdTokenError } from './errors.js'

/** Settings of a {@link RefetchBudget}; durations in milliseconds. */
export interface RefetchBudgetOptions {
  /** Minimum time between two fetches. Default 5,000. */
  readonly intervalMs?: number
  /** Fetches allowed in any 60 s window. Default 6. */
  readonly perMinute?: number
}

const WINDOW_MS = 60_000

/**
 * A sliding-window budget of key-set fetches.
 *
 * One hard cooldown (the former 30 s) made a single junk `kid` sent just before a real rotation
 * cost the new key's genuine tokens half a minute of 401s. A budget of "one per few seconds, a
 * handful per minute" sees a rotation within seconds while a flood of random `kid`s still costs at
 * most `perMinute` fetches a minute. Every fetch is recorded, whatever caused it, so the budget
 * also counts background refreshes and fetches another instance made (through `jwks.shared`).
 *
 * @example
 * ```ts
 * const budget = new RefetchBudget({ intervalMs: 5_000, perMinute: 6 })
 * if (budget.allows(now)) {
 *   budget.record(now)
 *   await refetch()
 * } else {
 *   retryAfterMs = budget.nextAt(now) - now
 * }
 * ```
 */
export class RefetchBudget {
  readonly #intervalMs: number
  readonly #perMinute: number
  /** The most recent fetch times, ascending; at most `perMinute` of them. */
  readonly #times: number[] = []

  constructor(options: RefetchBudgetOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 5_000
    this.#perMinute = Math.max(1, Math.floor(options.perMinute ?? 6))
  }

  /** Whether a fetch may start at `now`. */
  allows(now: number): boolean {
    return this.nextAt(now) <= now
  }

  /** The earliest time (ms) a fetch may start; `now` or earlier when it may start now. */
  nextAt(now: number): number {
    const last = this.#times.at(-1)
    if (last === undefined) return now
    const afterInterval = last + this.#intervalMs
    const oldest = this.#times[0] ?? last
    const afterWindow = this.#times.length < this.#perMinute ? now : oldest + WINDOW_MS
    return Math.max(afterInterval, afterWindow)
  }

  /** Counts a fetch that started at `at`. */
  record(at: number): void {
    if (!Number.isFinite(at)) return
    let index = this.#times.length
    while (index > 0 && (this.#times[index - 1] ?? at) > at) index -= 1
    this.#times.splice(index, 0, at)
    if (this.#times.length > this.#perMinute) this.#times.shift()
  }

  /** Counts a fetch another instance made at `at` (from a shared entry), once however often seen. */
  observe(at: number): void {
    if (!this.#times.includes(at)) this.record(at)
  }
}

/**
 * Validates `jwks.refetchesPerMinute`: an integer from 1 to 60. Default 6.
 *
 * @example
 * ```ts
 * new RefetchBudget({ intervalMs, perMinute: resolveRefetchesPerMinute(options.jwks?.refetchesPerMinute) })
 * ```
 */
export function resolveRefetchesPerMinute(value: unknown): number {
  if (value === undefined) return 6
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 60) {
    throw new GitlabIdTokenError(
      'ERR_INVALID_CONFIG',
      '"jwks.refetchesPerMinute" must be an integer from 1 to 60, e.g. 6',
    )
  }
  return value
}

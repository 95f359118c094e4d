/**
 * Which unknown `kid`s the latest key-set fetch answered for, so they can be refused for good.
 *
 * @module
 */

import type { KeySet } from './key-set.js'
import type { LoadedKeySet } from './shared-key-set.js'

// Remembered kids, waiting or absent; beyond this a kid is answered as unchecked (503, retryable).
const MAX_KIDS = 256

/**
 * The `kid`s a fetch showed absent: those asked for while it ran, those published only with
 * unusable keys, and those it rotated out. A token under one of them gets 401 at once; any other
 * unknown `kid` may be a rotation no fetch has seen yet, and gets 503 while the budget is spent.
 * Bounded: a flood of random `kid`s costs at most 256 short strings.
 *
 * @example
 * ```ts
 * const kids = new AbsentKids()
 * kids.wait(kid) // before awaiting the refresh
 * kids.settle(loaded, previousKeys, true) // when it lands
 * kids.has(kid) // → true: refuse with 401
 * ```
 */
export class AbsentKids {
  #waiting = new Set<string>()
  #absent = new Set<string>()

  /** Notes that `kid` awaits the fetch in flight. */
  wait(kid: string): void {
    if (this.#waiting.size < MAX_KIDS) this.#waiting.add(kid)
  }

  /** Whether the latest fetch showed `kid` absent. */
  has(kid: string): boolean {
    return this.#absent.has(kid)
  }

  /**
   * Records what `loaded` answers: the waiting kids only when `answersWaiting` (the document was
   * fetched after they arrived), the skipped kids and the kids of `previous` it no longer holds.
   */
  settle(loaded: LoadedKeySet, previous: KeySet | undefined, answersWaiting: boolean): void {
    const absent = new Set<string>()
    const candidates = [
      ...(answersWaiting ? this.#waiting : []),
      ...loaded.skipped,
      ...(previous?.keys() ?? []),
    ]
    for (const kid of candidates) {
      if (!loaded.keys.has(kid) && absent.size < MAX_KIDS) absent.add(kid)
    }
    this.#absent = absent
  }

  /** Forgets the waiting kids once the fetch they waited for has settled. */
  clearWaiting(): void {
    this.#waiting.clear()
  }
}

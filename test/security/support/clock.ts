/**
 * A hand-driven clock for the verifier's and the mock issuer's `now` option, so that cooldowns,
 * cache ages and `maxStale` can be crossed without waiting.
 */

export interface TestClock {
  /** Milliseconds since the epoch, like `Date.now`. */
  readonly now: () => number
  advance(ms: number): void
  set(ms: number): void
}

export function createClock(start: number = Date.now()): TestClock {
  let current = start
  return {
    now: () => current,
    advance: (ms) => {
      current += ms
    },
    set: (ms) => {
      current = ms
    },
  }
}

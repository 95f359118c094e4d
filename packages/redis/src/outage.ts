/**
 * Outage bookkeeping of the replay store: one event when Redis goes away, one when it is back.
 *
 * @module
 */

import type { RedisFailureReason } from './deadline.js'

/**
 * What {@link createRedisReplayStore}'s `onEvent` receives: `unavailable` once at the start of an
 * outage (not per failed call), `recovered` at its end with what it cost.
 *
 * @example
 * ```ts
 * onEvent: (event) =>
 *   event.type === 'unavailable'
 *     ? log.error({ reason: event.reason, err: event.error, fallback: event.fallback }, 'replay store down')
 *     : log.info({ failures: event.failures, localAnswers: event.localAnswers }, 'replay store back')
 * ```
 */
export type RedisReplayStoreEvent =
  | {
      readonly type: 'unavailable'
      readonly reason: RedisFailureReason
      readonly error: Error
      /** `'local'`: calls are answered per process until Redis is back; `'none'`: they fail. */
      readonly fallback: 'local' | 'none'
    }
  | {
      readonly type: 'recovered'
      /** Calls Redis failed during the outage. */
      readonly failures: number
      /** Calls the local fallback answered during the outage. */
      readonly localAnswers: number
      readonly durationMs: number
    }

/**
 * Counters of a Redis replay store since it was created.
 *
 * @example
 * ```ts
 * const { outages, failures, localAnswers } = store.stats()
 * ```
 */
export interface ReplayStoreStats {
  /** Whether the last Redis call failed (an outage is in progress). */
  readonly unavailable: boolean
  readonly outages: number
  /** Redis calls that failed (timeouts, errors, invalid answers). */
  readonly failures: number
  /** Calls the `'local'` fallback answered. */
  readonly localAnswers: number
}

/** @internal */
export interface OutageTracker {
  failed(reason: RedisFailureReason, error: Error): void
  succeeded(): void
  answeredLocally(): void
  unavailable(): boolean
  stats(): ReplayStoreStats
}

/** @internal */
export function createOutageTracker(
  now: () => number,
  localFallback: boolean,
  onEvent: ((event: RedisReplayStoreEvent) => void) | undefined,
): OutageTracker {
  const totals = { outages: 0, failures: 0, localAnswers: 0 }
  let current: { since: number; failures: number; localAnswers: number } | undefined

  const emit = (event: RedisReplayStoreEvent): void => {
    try {
      onEvent?.(event)
    } catch {
      // A logging hook must not change a replay decision.
    }
  }

  return {
    failed(reason, error) {
      totals.failures += 1
      if (current !== undefined) {
        current.failures += 1
        return
      }
      totals.outages += 1
      current = { since: now(), failures: 1, localAnswers: 0 }
      emit({ type: 'unavailable', reason, error, fallback: localFallback ? 'local' : 'none' })
    },
    succeeded() {
      if (current === undefined) return
      const ended = current
      current = undefined
      emit({
        type: 'recovered',
        failures: ended.failures,
        localAnswers: ended.localAnswers,
        durationMs: now() - ended.since,
      })
    },
    answeredLocally() {
      totals.localAnswers += 1
      if (current !== undefined) current.localAnswers += 1
    },
    unavailable: () => current !== undefined,
    stats: () => ({ unavailable: current !== undefined, ...totals }),
  }
}

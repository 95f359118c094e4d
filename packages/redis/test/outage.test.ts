import { describe, expect, it } from 'vitest'
import type { RedisReplayStoreEvent } from '@gitlab-id-token/redis'
import { createOutageTracker } from '../src/outage.js'

describe('createOutageTracker', () => {
  it('reports an outage once, counts it, and reports its end', () => {
    let clock = 1_000
    const events: RedisReplayStoreEvent[] = []
    const tracker = createOutageTracker(
      () => clock,
      true,
      (e) => events.push(e),
    )
    tracker.succeeded()
    const error = new Error('refused')
    tracker.failed('error', error)
    tracker.failed('timeout', error)
    tracker.answeredLocally()
    expect(tracker.stats()).toEqual({ unavailable: true, outages: 1, failures: 2, localAnswers: 1 })
    clock = 1_500
    tracker.succeeded()
    tracker.failed('error', error)
    expect(events).toEqual([
      { type: 'unavailable', reason: 'error', error, fallback: 'local' },
      { type: 'recovered', failures: 2, localAnswers: 1, durationMs: 500 },
      { type: 'unavailable', reason: 'error', error, fallback: 'local' },
    ])
    expect(tracker.stats()).toMatchObject({ outages: 2, failures: 3 })
  })

  it('ignores a hook that throws', () => {
    const tracker = createOutageTracker(Date.now, false, () => {
      throw new Error('logger down')
    })
    expect(() => tracker.failed('error', new Error('x'))).not.toThrow()
    expect(tracker.unavailable()).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { KeySetFreshness } from '../src/key-set-freshness.js'
import type { KeySet } from '../src/key-set.js'

const MINUTE = 60_000
const keys = new Map() as unknown as KeySet
const newer = new Map() as unknown as KeySet

function freshness(maxAgeMs = 10 * MINUTE, maxStaleMs = 60 * MINUTE, cooldownMs = 5_000) {
  return new KeySetFreshness({ maxAgeMs, maxStaleMs, cooldownMs })
}

describe('KeySetFreshness', () => {
  it('has nothing usable before the first set, and a refresh is due at once', () => {
    const cache = freshness()
    expect(cache.loaded).toBe(false)
    expect(cache.usable(0)).toBeUndefined()
    expect(cache.fetchedAt).toBe(Number.NEGATIVE_INFINITY)
    expect(cache.old(0)).toBe(true)
    expect(cache.refreshDue(0)).toBe(true)
  })

  it('serves a set fresh until maxAge, stale until maxAge + maxStale, then nothing', () => {
    const cache = freshness()
    expect(cache.adopt(keys, 1_000)).toBeUndefined()
    expect(cache.usable(1_000 + 10 * MINUTE)).toBe(keys)
    expect(cache.old(1_000 + 10 * MINUTE)).toBe(false)
    expect(cache.old(1_001 + 10 * MINUTE)).toBe(true)
    expect(cache.usable(1_000 + 70 * MINUTE)).toBe(keys)
    expect(cache.usable(1_001 + 70 * MINUTE)).toBeUndefined()
    expect(cache.loaded).toBe(true)
  })

  it('retries a failed age-based refresh no faster than the cooldown', () => {
    const cache = freshness()
    cache.adopt(keys, 0)
    const due = 10 * MINUTE + 1
    expect(cache.refreshDue(due)).toBe(true)
    cache.attempted(due)
    cache.failed(new Error('down'))
    expect(cache.lastError).toBeInstanceOf(Error)
    expect(cache.refreshDue(due + 4_999)).toBe(false)
    expect(cache.refreshDue(due + 5_000)).toBe(true)
  })

  it('honours a maxAge below the cooldown instead of stretching it (issue 8)', () => {
    const cache = freshness(2_000, MINUTE, 30_000)
    cache.adopt(keys, 0)
    cache.attempted(0)
    expect(cache.refreshDue(2_001)).toBe(true)
    cache.attempted(2_001)
    expect(cache.refreshDue(4_000)).toBe(false)
    expect(cache.refreshDue(4_001)).toBe(true)
  })

  it('clears the last error and returns the replaced set on adopt', () => {
    const cache = freshness()
    cache.adopt(keys, 0)
    cache.failed(new Error('down'))
    expect(cache.adopt(newer, 5_000)).toBe(keys)
    expect(cache.lastError).toBeUndefined()
    expect(cache.fetchedAt).toBe(5_000)
    expect(cache.usable(5_000)).toBe(newer)
  })

  it('never ages a static set (maxAge Infinity)', () => {
    const cache = freshness(Number.POSITIVE_INFINITY)
    cache.adopt(keys, 0)
    expect(cache.old(Number.MAX_SAFE_INTEGER)).toBe(false)
    expect(cache.usable(Number.MAX_SAFE_INTEGER)).toBe(keys)
  })
})

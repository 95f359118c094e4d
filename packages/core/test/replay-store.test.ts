import { describe, expect, it } from 'vitest'
import { createMemoryReplayStore } from '../src/replay-store.js'

describe('createMemoryReplayStore', () => {
  it('remembers a key until it expires', () => {
    let now = 1_000
    const store = createMemoryReplayStore({ now: () => now })
    expect(store.remember('iss\njti-1', 5_000)).toBe(true)
    expect(store.remember('iss\njti-1', 5_000)).toBe(false)
    expect(store.remember('iss\njti-2', 5_000)).toBe(true)
    now = 5_000
    expect(store.remember('iss\njti-1', 9_000)).toBe(true)
  })

  it('refuses new keys rather than forgetting live ones when full', () => {
    let now = 0
    const store = createMemoryReplayStore({ max: 2, now: () => now })
    expect(store.remember('a', 100)).toBe(true)
    expect(store.remember('b', 200)).toBe(true)
    expect(store.remember('c', 300)).toBe(false)
    expect(store.remember('a', 100)).toBe(false)
    now = 150
    expect(store.remember('c', 300)).toBe(true)
    expect(store.remember('b', 200)).toBe(false)
  })

  it('validates max', () => {
    expect(() => createMemoryReplayStore({ max: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG', status: 500 }),
    )
  })
})

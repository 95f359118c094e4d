import { describe, expect, it } from 'vitest'
import { createMemoryReplayStore } from '../src/replay-store.js'

const unavailable = (reason: string) =>
  expect.objectContaining({
    code: 'ERR_REPLAY_UNAVAILABLE',
    status: 503,
    expose: false,
    details: expect.objectContaining({ reason }),
  })

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

  it('answers a full store with ERR_REPLAY_UNAVAILABLE (503), never by forgetting a live key', () => {
    let now = 0
    const store = createMemoryReplayStore({ max: 2, maxTenantShare: 1, now: () => now })
    expect(store.remember('a', 1_000)).toBe(true)
    expect(store.remember('b', 2_000)).toBe(true)
    expect(() => store.remember('c', 3_000)).toThrow(unavailable('full'))
    expect(store.remember('a', 1_000)).toBe(false)
    now = 1_500
    expect(store.remember('c', 3_000)).toBe(true)
    expect(store.remember('b', 2_000)).toBe(false)
  })

  it('says when room opens up next in Retry-After', () => {
    const store = createMemoryReplayStore({ max: 1, now: () => 0 })
    void store.remember('a', 7_200)
    expect(() => store.remember('b', 9_000)).toThrow(
      expect.objectContaining({ headers: expect.objectContaining({ 'Retry-After': '8' }) }),
    )
  })

  it('holds no key that is already past its expiry', () => {
    const store = createMemoryReplayStore({ max: 1, now: () => 10_000 })
    expect(store.remember('old', 9_000)).toBe(true)
    expect(store.remember('new', 20_000)).toBe(true)
  })

  it('keeps one tenant to its share of the capacity, and frees the share as keys expire', () => {
    let now = 0
    const store = createMemoryReplayStore({ max: 10, maxTenantShare: 0.3, now: () => now })
    const tenant = (id: string) => ({ issuer: 'iss', jti: id, tenant: '42' })
    for (const id of ['1', '2', '3']) expect(store.remember(id, 1_000, tenant(id))).toBe(true)
    expect(() => store.remember('4', 1_000, tenant('4'))).toThrow(
      expect.objectContaining({
        code: 'ERR_REPLAY_UNAVAILABLE',
        details: { reason: 'tenant-share', tenant: '42' },
      }),
    )
    // Another project still gets in.
    expect(store.remember('x', 1_000, { issuer: 'iss', jti: 'x', tenant: '7' })).toBe(true)
    now = 1_000
    expect(store.remember('4', 2_000, tenant('4'))).toBe(true)
  })

  it('purges in expiry order however far the clock jumps, with no scan per insert', () => {
    let now = 0
    const store = createMemoryReplayStore({ max: 1_000, maxTenantShare: 1, now: () => now })
    for (let i = 0; i < 1_000; i++) expect(store.remember(`k${i}`, 1_000 + i * 10)).toBe(true)
    now = 365 * 86_400_000
    for (let i = 0; i < 999; i++) expect(store.remember(`n${i}`, now + 1_000)).toBe(true)
    expect(store.remember('k0', now + 1_000)).toBe(true)
  })

  it('re-remembering an expired key keeps the new expiry', () => {
    let now = 0
    const store = createMemoryReplayStore({ now: () => now })
    expect(store.remember('a', 1_000)).toBe(true)
    now = 1_000
    expect(store.remember('a', 5_000)).toBe(true)
    now = 2_000
    // The old bucket (1 s) is drained, but it must not take the new entry with it.
    expect(store.remember('a', 5_000)).toBe(false)
  })

  it.each([
    [{ max: 0 }],
    [{ max: 1.5 }],
    [{ maxTenantShare: 0 }],
    [{ maxTenantShare: 1.5 }],
    [{ now: 'clock' as never }],
    [{ maxEntries: 10 } as never],
  ])('validates %o', (options) => {
    expect(() => createMemoryReplayStore(options)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG', status: 500 }),
    )
  })
})

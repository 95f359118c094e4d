import { describe, expect, it } from 'vitest'
import { RefetchBudget, resolveRefetchesPerMinute } from '../src/refetch-budget.js'

describe('RefetchBudget', () => {
  it('allows one fetch per interval', () => {
    const budget = new RefetchBudget({ intervalMs: 5_000, perMinute: 6 })
    expect(budget.allows(0)).toBe(true)
    budget.record(0)
    expect(budget.allows(4_999)).toBe(false)
    expect(budget.nextAt(1_000)).toBe(5_000)
    expect(budget.allows(5_000)).toBe(true)
  })

  it('caps fetches in any 60 s window', () => {
    const budget = new RefetchBudget({ intervalMs: 1_000, perMinute: 3 })
    for (const at of [0, 1_000, 2_000]) {
      expect(budget.allows(at)).toBe(true)
      budget.record(at)
    }
    expect(budget.allows(30_000)).toBe(false)
    expect(budget.nextAt(30_000)).toBe(60_000)
    budget.record(60_000)
    expect(budget.nextAt(60_000)).toBe(61_000)
  })

  it('counts a fetch another instance made in the past, once', () => {
    const budget = new RefetchBudget({ intervalMs: 5_000, perMinute: 2 })
    budget.record(10_000)
    budget.observe(8_000)
    budget.observe(8_000)
    expect(budget.nextAt(11_000)).toBe(68_000)
  })

  it('validates jwks.refetchesPerMinute', () => {
    expect(resolveRefetchesPerMinute(undefined)).toBe(6)
    expect(resolveRefetchesPerMinute(12)).toBe(12)
    for (const bad of [0, 61, 1.5, '6', Number.NaN]) {
      expect(() => resolveRefetchesPerMinute(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }) as Error,
      )
    }
  })
})

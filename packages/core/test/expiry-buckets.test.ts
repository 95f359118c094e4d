import { describe, expect, it } from 'vitest'
import { ExpiryBuckets } from '../src/expiry-buckets.js'

describe('ExpiryBuckets', () => {
  it('drains whole buckets in time order, whatever the insertion order', () => {
    const buckets = new ExpiryBuckets()
    for (const [key, at] of [
      ['c', 3_450],
      ['a', 1_200],
      ['b', 2_000],
      ['a2', 1_900],
      ['d', 9_000],
    ] as const) {
      buckets.add(key, at)
    }
    const drained: string[] = []
    buckets.drain(2_000, (key) => drained.push(key))
    expect(drained).toEqual(['a', 'a2', 'b'])
    // 3 450 ms is in the bucket ending at 3.5 s: not drained before then.
    buckets.drain(3_499, (key) => drained.push(key))
    expect(drained).toHaveLength(3)
    expect(buckets.nextExpiry()).toBe(3_500)
    buckets.drain(10_000, (key, at) => drained.push(`${key}@${at}`))
    expect(drained.slice(3)).toEqual(['c@3450', 'd@9000'])
    expect(buckets.nextExpiry()).toBe(Number.POSITIVE_INFINITY)
  })

  it('keeps the heap ordered over many random buckets', () => {
    const buckets = new ExpiryBuckets()
    let seed = 7
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647
    for (let i = 0; i < 2_000; i++) buckets.add(`k${i}`, Math.floor(random() * 1_000_000))
    const seen: number[] = []
    buckets.drain(Number.MAX_SAFE_INTEGER, (_key, at) => seen.push(Math.ceil(at / 100)))
    expect(seen).toHaveLength(2_000)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
  })
})

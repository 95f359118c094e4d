import { describe, expect, it } from 'vitest'
import { ResultCache } from '../src/result-cache.js'

const token = (n: number, tail = `sig${String(n).padStart(12, '0')}`) =>
  `header.payload${n}.${tail}`

describe('ResultCache', () => {
  it('admits a token on its second sight only', () => {
    const cache = new ResultCache<{ n: number }>(4)
    const value = { n: 1 }
    cache.offer(token(1), value, 60_000)
    expect(cache.get(token(1))).toBeUndefined()
    expect(cache.size).toBe(0)
    cache.offer(token(1), value, 60_000)
    expect(cache.get(token(1))).toBe(value)
  })

  it('never admits a pool of tokens cycling wider than max', () => {
    const cache = new ResultCache<{ n: number }>(4)
    for (let pass = 0; pass < 3; pass++)
      for (let n = 0; n < 10; n++) cache.offer(token(n), { n }, 60_000)
    expect(cache.size).toBe(0)
  })

  it('never fills up on distinct tokens', () => {
    const cache = new ResultCache<{ n: number }>(4)
    for (let n = 0; n < 1_000; n++) cache.offer(token(n), { n }, 60_000)
    expect(cache.size).toBe(0)
  })

  it('answers only for exactly the cached token, even when another copies its signature', () => {
    const cache = new ResultCache<{ n: number }>(4)
    const tail = 'SAME-SIGNATURE-TAIL'
    cache.offer(token(1, tail), { n: 1 }, 60_000)
    cache.offer(token(1, tail), { n: 1 }, 60_000)
    expect(cache.get(token(1, tail))).toEqual({ n: 1 })
    expect(cache.get(token(2, tail))).toBeUndefined()
    expect(cache.get(`x${token(1, tail)}`)).toBeUndefined()
  })

  it('evicts the least recently used entry at max, and forgets on delete', () => {
    const cache = new ResultCache<{ n: number }>(2)
    for (const n of [1, 1, 2, 2, 3, 3]) cache.offer(token(n), { n }, 60_000)
    expect(cache.size).toBe(2)
    expect(cache.get(token(1))).toBeUndefined()
    cache.delete(token(3))
    expect(cache.get(token(3))).toBeUndefined()
    expect(cache.get(token(2))).toEqual({ n: 2 })
  })

  it('ignores strings too short to have a signature tail', () => {
    const cache = new ResultCache<{ n: number }>(2)
    cache.offer('a.b.c', { n: 1 }, 60_000)
    cache.offer('a.b.c', { n: 1 }, 60_000)
    expect(cache.get('a.b.c')).toBeUndefined()
  })
})

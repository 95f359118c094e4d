import { describe, expect, it } from 'vitest'
import { createMemoryKeySetCache } from '../src/key-set-cache.js'

describe('createMemoryKeySetCache', () => {
  it('stores entries, keeps the newer one, and expires locks', async () => {
    let now = 0
    const cache = createMemoryKeySetCache(() => now)
    expect(await cache.get('i')).toBeUndefined()
    await cache.set('i', { jwks: { keys: [] }, fetchedAt: 10 })
    await cache.set('i', { jwks: { keys: [{ kty: 'RSA' }] }, fetchedAt: 5 })
    expect((await cache.get('i'))?.fetchedAt).toBe(10)
    expect(await cache.lock('i', 100)).toBe(true)
    expect(await cache.lock('i', 100)).toBe(false)
    now = 101
    expect(await cache.lock('i', 100)).toBe(true)
    await cache.unlock('i')
    expect(await cache.lock('i', 100)).toBe(true)
  })
})

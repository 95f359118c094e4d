import { describe, expect, it } from 'vitest'
import {
  createKeySetCache,
  createReplayStore,
  isSharedStore,
  registerKeySetCache,
  registerReplayStore,
} from '../src/store-factories.js'

describe('replay stores', () => {
  it('builds the memory store, which is not shared', async () => {
    const handle = await createReplayStore({ store: 'memory', max: 2 })
    expect(handle.shared).toBe(false)
    expect(await handle.store.remember('a', Date.now() + 1000)).toBe(true)
    expect(await handle.store.remember('a', Date.now() + 1000)).toBe(false)
    expect(isSharedStore('memory')).toBe(false)
    expect(isSharedStore('redis')).toBe(true)
  })

  it('uses a registered factory with the settings as written', async () => {
    const seen: unknown[] = []
    registerReplayStore('test-store', (settings) => {
      seen.push(settings)
      return { store: { remember: () => true }, shared: true, ready: () => true }
    })
    const handle = await createReplayStore({ store: 'test-store', url: 'redis://x' })
    expect(handle.shared).toBe(true)
    expect(seen).toEqual([{ store: 'test-store', url: 'redis://x' }])
  })

  it('names the missing package for an unknown store', async () => {
    await expect(createReplayStore({ store: 'nosuchstore' })).rejects.toThrow(
      'replay.store "nosuchstore" needs @gitlab-id-token/nosuchstore installed (it must export createGatewayReplayStore), or registerReplayStore("nosuchstore", …)',
    )
  })

  it('builds the in-process key-set cache by default, and registered or named ones', async () => {
    expect((await createKeySetCache()).shared).toBe(false)
    registerKeySetCache('test-cache', () => ({
      store: {
        get: async () => undefined,
        set: async () => {},
        lock: async () => true,
        unlock: async () => {},
      },
      shared: true,
    }))
    expect((await createKeySetCache({ store: 'test-cache' })).shared).toBe(true)
    await expect(createKeySetCache({ store: 'nosuchcache' })).rejects.toThrow(
      'jwks.shared.store "nosuchcache" needs @gitlab-id-token/nosuchcache installed (it must export createGatewayKeySetCache)',
    )
  })
})

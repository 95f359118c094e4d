import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayKeySetCache, createGatewayReplayStore } from '@gitlab-id-token/redis'
import { startRedisServer } from '../../../test/fleet/support/redis-server.js'
import type { RedisServer } from '../../../test/fleet/support/redis-server.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis.close()
})

const invalid = expect.objectContaining({ code: 'ERR_INVALID_CONFIG' })
const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 25))
}

describe('gateway factories', () => {
  it('builds a shared replay store from replay: { store: redis, url, timeoutMs, onUnavailable }', async () => {
    const handle = await createGatewayReplayStore({
      store: 'redis',
      url: redis.url,
      timeoutMs: 500,
      onUnavailable: 'local-fallback',
      prefix: 'gw',
    })
    await until(handle.ready)
    expect(handle.shared).toBe(true)
    expect(handle.ready()).toBe(true)
    const exp = Date.now() + 60_000
    expect(await handle.store.remember('https://gitlab.com\ng1', exp)).toBe(true)
    expect(await handle.store.remember('https://gitlab.com\ng1', exp)).toBe(false)
    await handle.close()
  })

  it('builds the shared key-set cache with the secret from the environment', async () => {
    process.env.TEST_FLEET_SECRET = 'z'.repeat(32)
    const handle = await createGatewayKeySetCache({
      store: 'redis',
      url: redis.url,
      secretEnv: 'TEST_FLEET_SECRET',
    })
    await until(handle.ready)
    const entry = { jwks: { keys: [] }, fetchedAt: 3 }
    await handle.store.set('https://gitlab.com', entry)
    expect(await handle.store.get('https://gitlab.com')).toEqual(entry)
    await handle.close()
    delete process.env.TEST_FLEET_SECRET
  })

  it('refuses bad settings before connecting', async () => {
    await expect(createGatewayReplayStore({ store: 'redis', url: 'http://x' })).rejects.toThrow(
      invalid,
    )
    await expect(
      createGatewayReplayStore({ store: 'redis', url: redis.url, onUnavailable: 'open' }),
    ).rejects.toThrow(invalid)
    await expect(
      createGatewayReplayStore({ store: 'redis', url: redis.url, timeoutMs: '1' }),
    ).rejects.toThrow(invalid)
    await expect(
      createGatewayKeySetCache({ store: 'redis', url: redis.url, secretEnv: 'NOPE_UNSET' }),
    ).rejects.toThrow(invalid)
  })
})

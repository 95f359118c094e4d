/**
 * The README's ioredis recipe against a real Redis: the same store semantics, and a hung Redis
 * still answered within our deadline.
 */

import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitlabIdTokenError } from '@gitlab-id-token/core'
import { createRedisKeySetCache, createRedisReplayStore } from '@gitlab-id-token/redis'
import { fromIoredis } from './support/ioredis-adapter.js'
import { startRedisServer } from './support/redis-server.js'
import type { RedisServer } from './support/redis-server.js'

const ISSUER = 'https://gitlab.example.com'
let redis: RedisServer
let client: Redis

beforeAll(async () => {
  redis = await startRedisServer()
  client = new Redis(redis.port, '127.0.0.1', { enableOfflineQueue: false, lazyConnect: true })
  client.on('error', () => {})
  await client.connect()
})
afterAll(async () => {
  client.disconnect()
  await redis.close()
})

describe('ioredis recipe', () => {
  it('is the adapter the README shows, verbatim', () => {
    const source = readFileSync(new URL('./support/ioredis-adapter.ts', import.meta.url), 'utf8')
    const readme = readFileSync(new URL('../../packages/redis/README.md', import.meta.url), 'utf8')
    const body = source.slice(source.indexOf('export function fromIoredis'))
    expect(body.length).toBeGreaterThan(100)
    expect(readme).toContain(body)
  })

  it('runs the replay store and the key-set cache through the adapter', async () => {
    const store = createRedisReplayStore({ client: fromIoredis(client) })
    const exp = Date.now() + 60_000
    expect(await store.remember(`${ISSUER}\nio-1`, exp)).toBe(true)
    expect(await store.remember(`${ISSUER}\nio-1`, exp)).toBe(false)
    expect(await client.pttl((await client.keys('*jti*'))[0]!)).toBeGreaterThan(60_000)

    const cache = createRedisKeySetCache({ client: fromIoredis(client), secret: 'i'.repeat(32) })
    const entry = {
      jwks: { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] },
      fetchedAt: 7,
    }
    await cache.set(ISSUER, entry)
    expect(await cache.get(ISSUER)).toEqual(entry)
    expect(await cache.lock(ISSUER, 5_000)).toBe(true)
    expect(await cache.lock(ISSUER, 5_000)).toBe(false)
    await cache.unlock(ISSUER)
    expect(await cache.lock(ISSUER, 5_000)).toBe(true)
  })

  it('fails closed on a hung Redis through the adapter too', async () => {
    const store = createRedisReplayStore({ client: fromIoredis(client), timeout: 0.1 })
    redis.pause()
    try {
      const error = await store
        .remember(`${ISSUER}\nio-hung`, Date.now() + 60_000)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(GitlabIdTokenError)
      expect(error).toMatchObject({
        code: 'ERR_REPLAY_UNAVAILABLE',
        details: { reason: 'timeout' },
      })
    } finally {
      redis.resume()
    }
    expect(await store.remember(`${ISSUER}\nio-after`, Date.now() + 60_000)).toBe(true)
  })
})

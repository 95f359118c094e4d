import { createClient } from 'redis'
import type { RedisClientType } from 'redis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { GitlabIdTokenError } from '@gitlab-id-token/core'
import { createRedisKeySetCache, issuerTag } from '@gitlab-id-token/redis'
import type { SharedKeySetEntry } from '@gitlab-id-token/core'
import type { RedisKeySetCacheEvent } from '@gitlab-id-token/redis'
import { startRedisServer } from '../../../test/fleet/support/redis-server.js'
import type { RedisServer } from '../../../test/fleet/support/redis-server.js'

const ISSUER = 'https://gitlab.example.com'
const SECRET = 'a fleet secret of at least 32 bytes!'
const ENTRY: SharedKeySetEntry = {
  jwks: { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB', use: 'sig', alg: 'RS256' }] },
  fetchedAt: 1_760_000_000_000,
  jwksUri: `${ISSUER}/oauth/discovery/keys`,
}
const entryKey = `gitlab-id-token:jwks:${issuerTag(ISSUER)}`

let redis: RedisServer
let client: RedisClientType

beforeAll(async () => {
  redis = await startRedisServer()
  client = createClient({ url: redis.url, disableOfflineQueue: true })
  client.on('error', () => {})
  await client.connect()
})
afterAll(async () => {
  client.destroy()
  await redis.close()
})
beforeEach(async () => {
  await client.flushAll()
})

describe('createRedisKeySetCache', () => {
  it('round-trips an entry between instances holding the same secret', async () => {
    const writer = createRedisKeySetCache({ client, secret: SECRET })
    const reader = createRedisKeySetCache({ client, secret: SECRET })
    expect(await reader.get(ISSUER)).toBeUndefined()
    await writer.set(ISSUER, ENTRY)
    expect(await reader.get(ISSUER)).toEqual(ENTRY)
    expect(await reader.get('https://other.example')).toBeUndefined()
    expect(reader.stats()).toMatchObject({ hits: 1, misses: 2, refused: 0 })
    const ttl = await client.pTTL(entryKey)
    expect(ttl).toBeGreaterThan(86_000_000)
  })

  it('refuses and counts a tampered entry, an entry of another issuer and a foreign secret', async () => {
    const events: RedisKeySetCacheEvent[] = []
    const cache = createRedisKeySetCache({ client, secret: SECRET, onEvent: (e) => events.push(e) })
    await cache.set(ISSUER, ENTRY)
    const stored = JSON.parse((await client.get(entryKey))!) as Record<string, unknown>

    // An attacker with write access swaps in their own key, keeping the old MAC.
    const forged = { keys: [{ kty: 'RSA', kid: 'evil', n: 'AQAB', e: 'AQAB' }] }
    await client.set(entryKey, JSON.stringify({ ...stored, body: JSON.stringify(forged) }))
    expect(await cache.get(ISSUER)).toBeUndefined()

    // A genuine entry moved to another issuer's key.
    await client.set(
      `gitlab-id-token:jwks:${issuerTag('https://other.example')}`,
      JSON.stringify(stored),
    )
    expect(await cache.get('https://other.example')).toBeUndefined()

    // Sealed with a secret this instance does not hold.
    await createRedisKeySetCache({ client, secret: 'x'.repeat(32) }).set(ISSUER, ENTRY)
    expect(await cache.get(ISSUER)).toBeUndefined()

    await client.set(entryKey, 'not json')
    expect(await cache.get(ISSUER)).toBeUndefined()

    expect(cache.stats().refused).toBe(4)
    expect(events).toEqual([
      { type: 'refused', issuer: ISSUER, reason: 'bad-mac' },
      { type: 'refused', issuer: 'https://other.example', reason: 'bad-mac' },
      { type: 'refused', issuer: ISSUER, reason: 'bad-mac' },
      { type: 'refused', issuer: ISSUER, reason: 'malformed' },
    ])
  })

  it('opens entries sealed with any listed secret while rotating it', async () => {
    const old = 'o'.repeat(32)
    await createRedisKeySetCache({ client, secret: old }).set(ISSUER, ENTRY)
    const rotating = createRedisKeySetCache({ client, secret: [SECRET, old] })
    expect(await rotating.get(ISSUER)).toEqual(ENTRY)
    await rotating.set(ISSUER, ENTRY)
    expect(await createRedisKeySetCache({ client, secret: SECRET }).get(ISSUER)).toEqual(ENTRY)
  })

  it('refuses an oversized value unread', async () => {
    const cache = createRedisKeySetCache({ client, secret: SECRET, maxEntryBytes: 1024 })
    await client.set(entryKey, 'x'.repeat(2048))
    expect(await cache.get(ISSUER)).toBeUndefined()
    expect(cache.stats().refused).toBe(1)
  })

  it('gives the lock to one holder until it unlocks or the TTL passes', async () => {
    const a = createRedisKeySetCache({ client, secret: SECRET })
    const b = createRedisKeySetCache({ client, secret: SECRET })
    const results = await Promise.all([a, b, a, b].map((cache) => cache.lock(ISSUER, 5_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
    const holder = results[0] === true || results[2] === true ? a : b
    const other = holder === a ? b : a
    // Only the holder's unlock releases it.
    await other.unlock(ISSUER)
    expect(await other.lock(ISSUER, 5_000)).toBe(false)
    await holder.unlock(ISSUER)
    expect(await other.lock(ISSUER, 5_000)).toBe(true)
    expect(await client.pTTL(`gitlab-id-token:jwks-lock:${issuerTag(ISSUER)}`)).toBeLessThanOrEqual(
      5_000,
    )
  })

  it('uses lockTtl instead of the TTL the core asks for', async () => {
    const cache = createRedisKeySetCache({ client, secret: SECRET, lockTtl: 2 })
    expect(await cache.lock(ISSUER, 60_000)).toBe(true)
    const ttl = await client.pTTL(`gitlab-id-token:jwks-lock:${issuerTag(ISSUER)}`)
    expect(ttl).toBeGreaterThan(1_000)
    expect(ttl).toBeLessThanOrEqual(2_000)
  })

  it('rejects with ERR_JWKS_UNAVAILABLE when Redis misses the deadline', async () => {
    const events: RedisKeySetCacheEvent[] = []
    const cache = createRedisKeySetCache({
      client,
      secret: SECRET,
      timeout: 0.1,
      onEvent: (e) => events.push(e),
    })
    redis.pause()
    try {
      for (const call of [() => cache.get(ISSUER), () => cache.lock(ISSUER, 1000)]) {
        const error = await call().then(
          () => undefined,
          (caught: unknown) => caught,
        )
        expect(error).toBeInstanceOf(GitlabIdTokenError)
        expect(error).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', status: 503 })
      }
    } finally {
      redis.resume()
    }
    expect(events.map((e) => e.type === 'error' && `${e.operation}:${e.reason}`)).toEqual([
      'get:timeout',
      'lock:timeout',
    ])
    expect(cache.stats().errors).toBe(2)
  })

  it('refuses a short secret and other bad options at creation', () => {
    const bad: unknown[] = [
      { client, secret: 'short' },
      { client, secret: new Uint8Array(31) },
      { client, secret: [] },
      { client },
      { client: { get: async () => null }, secret: SECRET },
      { client, secret: SECRET, lockTtl: -1 },
      { client, secret: SECRET, maxEntryBytes: 0 },
    ]
    for (const options of bad) {
      expect(() => createRedisKeySetCache(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
      )
    }
    expect(() => createRedisKeySetCache({ client, secret: new Uint8Array(32) })).not.toThrow()
  })
})

import { createClient } from 'redis'
import type { RedisClientType } from 'redis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { GitlabIdTokenError, isGitlabIdTokenError } from '@gitlab-id-token/core'
import { createRedisReplayStore, issuerTag } from '@gitlab-id-token/redis'
import type { RedisCommands, RedisReplayStoreEvent } from '@gitlab-id-token/redis'
import { startRedisServer } from '../../../test/fleet/support/redis-server.js'
import type { RedisServer } from '../../../test/fleet/support/redis-server.js'

const ISSUER = 'https://gitlab.example.com'
let redis: RedisServer
let client: RedisClientType

const connect = async (url: string): Promise<RedisClientType> => {
  const next: RedisClientType = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 50 },
  })
  next.on('error', () => {})
  await next.connect()
  return next
}

beforeAll(async () => {
  redis = await startRedisServer()
  client = await connect(redis.url)
})
afterAll(async () => {
  client.destroy()
  await redis.close()
})
beforeEach(async () => {
  await client.flushAll()
})

async function refusal(promise: Promise<unknown>): Promise<GitlabIdTokenError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!(error instanceof GitlabIdTokenError))
    throw new Error(`expected a GitlabIdTokenError, got ${String(error)}`)
  return error
}

describe('createRedisReplayStore', () => {
  it('admits a jti once, fleet-wide through Redis, keyed per issuer', async () => {
    const a = createRedisReplayStore({ client })
    const b = createRedisReplayStore({ client })
    const exp = Date.now() + 60_000
    expect(await a.remember(`${ISSUER}\njti-1`, exp)).toBe(true)
    expect(await b.remember(`${ISSUER}\njti-1`, exp)).toBe(false)
    expect(await a.remember(`${ISSUER}\njti-1`, exp)).toBe(false)
    expect(await b.remember(`https://other.example\njti-1`, exp)).toBe(true)
    expect((await client.keys('*')).sort()).toEqual(
      [
        `gitlab-id-token:jti:${issuerTag(ISSUER)}:jti-1`,
        `gitlab-id-token:jti:${issuerTag('https://other.example')}:jti-1`,
      ].sort(),
    )
  })

  it('sets a relative TTL: the remaining lifetime plus a 5 s margin', async () => {
    const store = createRedisReplayStore({ client, prefix: 'svc' })
    await store.remember(`${ISSUER}\nttl`, Date.now() + 60_000)
    const ttl = await client.pTTL(`svc:jti:${issuerTag(ISSUER)}:ttl`)
    expect(ttl).toBeGreaterThan(60_000)
    expect(ttl).toBeLessThanOrEqual(65_000)
    // An expiry already in the past still stores the key for the margin (PXAT would store nothing).
    await store.remember(`${ISSUER}\npast`, Date.now() - 10_000)
    expect(await client.pTTL(`svc:jti:${issuerTag(ISSUER)}:past`)).toBeGreaterThan(0)
  })

  it('prefers the context argument over the key', async () => {
    const store = createRedisReplayStore({ client })
    const exp = Date.now() + 60_000
    expect(await store.remember('ignored', exp, { issuer: ISSUER, jti: 'ctx' })).toBe(true)
    expect(await store.remember(`${ISSUER}\nctx`, exp)).toBe(false)
  })

  it('refuses a long or binary jti as a malformed token (401), writing nothing', async () => {
    const store = createRedisReplayStore({ client })
    for (const jti of ['x'.repeat(129), 'a b', 'caf\u00e9', 'nul\u0000', '']) {
      const error = await refusal(store.remember(`${ISSUER}\n${jti}`, Date.now() + 60_000))
      expect(error.code).toBe('ERR_TOKEN_MALFORMED')
      expect(error.status).toBe(401)
    }
    expect(await store.remember(`${ISSUER}\n${'x'.repeat(128)}`, Date.now() + 60_000)).toBe(true)
    expect(await client.dbSize()).toBe(1)
  })

  it('fails closed with ERR_REPLAY_UNAVAILABLE when Redis misses the deadline', async () => {
    const events: RedisReplayStoreEvent[] = []
    const store = createRedisReplayStore({ client, timeout: 0.1, onEvent: (e) => events.push(e) })
    redis.pause()
    try {
      const first = await refusal(store.remember(`${ISSUER}\nhung-1`, Date.now() + 60_000))
      const second = await refusal(store.remember(`${ISSUER}\nhung-2`, Date.now() + 60_000))
      for (const error of [first, second]) {
        expect(error.code).toBe('ERR_REPLAY_UNAVAILABLE')
        expect(error.status).toBe(503)
        expect(error.headers['Retry-After']).toBe('5')
        expect(isGitlabIdTokenError(error, 'ERR_REPLAY_UNAVAILABLE') && error.details?.reason).toBe(
          'timeout',
        )
        expect(error.toJSON()).toMatchObject({
          error_description: 'replay protection unavailable',
          code: 'ERR_REPLAY_UNAVAILABLE',
        })
      }
    } finally {
      redis.resume()
    }
    expect(await store.remember(`${ISSUER}\nafter`, Date.now() + 60_000)).toBe(true)
    expect(events.map((e) => e.type)).toEqual(['unavailable', 'recovered'])
    expect(store.stats()).toEqual({ unavailable: false, outages: 1, failures: 2, localAnswers: 0 })
  })

  it('answers from a local store while Redis is down, and refuses those replays after recovery', async () => {
    const own = await connect(redis.url)
    const events: RedisReplayStoreEvent[] = []
    const store = createRedisReplayStore({
      client: own,
      onUnavailable: 'local',
      onEvent: (e) => events.push(e),
    })
    const exp = Date.now() + 60_000
    expect(await store.remember(`${ISSUER}\nbefore`, exp)).toBe(true)
    await redis.kill()
    try {
      expect(await store.remember(`${ISSUER}\ndown`, exp)).toBe(true)
      expect(await store.remember(`${ISSUER}\ndown`, exp)).toBe(false)
      // The local store knows nothing Redis knew: the cost of the fallback, documented.
      expect(await store.remember(`${ISSUER}\nbefore`, exp)).toBe(true)
      expect(store.stats()).toMatchObject({ unavailable: true, outages: 1, localAnswers: 3 })
    } finally {
      await redis.restart()
    }
    await waitFor(() => own.isReady)
    // Past the probe interval the next call asks Redis again.
    await new Promise((resolve) => setTimeout(resolve, 1_050))
    expect(await store.remember(`${ISSUER}\ndown`, exp)).toBe(false)
    expect(store.stats().unavailable).toBe(false)
    expect(await store.remember(`${ISSUER}\nfresh`, exp)).toBe(true)
    expect(events.map((e) => e.type)).toEqual(['unavailable', 'recovered'])
    expect(events[0]).toMatchObject({ type: 'unavailable', reason: 'error', fallback: 'local' })
    expect(events[1]).toMatchObject({ type: 'recovered', localAnswers: 3 })
    own.destroy()
    client.destroy()
    client = await connect(redis.url)
  })

  it('treats a reply that is neither OK nor null as unavailable', async () => {
    const odd: RedisCommands = {
      set: async () => 1,
      get: async () => null,
      eval: async () => 0,
    }
    const error = await refusal(
      createRedisReplayStore({ client: odd }).remember(`${ISSUER}\nj`, Date.now()),
    )
    expect(error.code).toBe('ERR_REPLAY_UNAVAILABLE')
    expect(error.details).toEqual({ reason: 'invalid-answer' })
  })

  it('refuses bad options at creation', () => {
    const bad: unknown[] = [
      { client: undefined },
      { client: {} },
      { client, prefix: 'has space' },
      { client, prefix: '{tag}' },
      { client, timeout: 0 },
      { client, onUnavailable: 'open' },
      { client, onUnavailable: 'local', localMax: 0 },
      { client, retryAfter: -1 },
    ]
    for (const options of bad) {
      expect(() => createRedisReplayStore(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
      )
    }
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

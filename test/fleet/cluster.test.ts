/**
 * The store and the key-set cache against a 3-master Redis Cluster on loopback, through node-redis
 * createCluster: one key per call, so no hash tags are needed and keys spread over every master.
 */

import { createClient, createCluster } from 'redis'
import type { RedisClusterType } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisKeySetCache, createRedisReplayStore } from '@gitlab-id-token/redis'
import { startRedisCluster } from './support/redis-server.js'
import type { RedisCluster } from './support/redis-server.js'

const ISSUER = 'https://gitlab.example.com'
let cluster: RedisCluster
const clients: RedisClusterType[] = []

async function connect(): Promise<RedisClusterType> {
  const client: RedisClusterType = createCluster({
    rootNodes: [...cluster.rootNodes],
    defaults: { disableOfflineQueue: true },
  })
  client.on('error', () => {})
  await client.connect()
  clients.push(client)
  return client
}

beforeAll(async () => {
  cluster = await startRedisCluster()
}, 30_000)
afterAll(async () => {
  for (const client of clients) client.destroy()
  await cluster?.close()
})

describe('Redis Cluster', () => {
  it('admits each jti once across two cluster clients, with keys on every master', async () => {
    const a = createRedisReplayStore({ client: await connect() })
    const b = createRedisReplayStore({ client: await connect() })
    const exp = Date.now() + 60_000
    const jtis = Array.from({ length: 300 }, (_, i) => `jti-${i}-${crypto.randomUUID()}`)
    const results = await Promise.all(
      jtis.flatMap((jti) => [a, b, a].map((store) => store.remember(`${ISSUER}\n${jti}`, exp))),
    )
    for (let i = 0; i < jtis.length; i += 1) {
      expect(results.slice(i * 3, i * 3 + 3).filter(Boolean)).toHaveLength(1)
    }
    const sizes = await Promise.all(
      cluster.nodes.map(async (node) => {
        const direct = createClient({ url: node.url })
        await direct.connect()
        const size = await direct.dbSize()
        direct.destroy()
        return size
      }),
    )
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(jtis.length)
    expect(sizes.every((size) => size > 0)).toBe(true)
  })

  it('shares a sealed key set and a lock (EVAL routed by its one key)', async () => {
    const secret = 's'.repeat(32)
    const one = createRedisKeySetCache({ client: await connect(), secret })
    const two = createRedisKeySetCache({ client: await connect(), secret })
    const entry = {
      jwks: { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] },
      fetchedAt: 1,
    }
    await one.set(ISSUER, entry)
    expect(await two.get(ISSUER)).toEqual(entry)
    expect(await one.lock(ISSUER, 5_000)).toBe(true)
    expect(await two.lock(ISSUER, 5_000)).toBe(false)
    await one.unlock(ISSUER)
    expect(await two.lock(ISSUER, 5_000)).toBe(true)
  })
})

/**
 * Redis faults under a real Express service: hung (SIGSTOP), resumed (SIGCONT), killed, and
 * restarted empty, each with the failure semantics the README's table documents.
 */

import { createClient } from 'redis'
import type { RedisClientType } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockGitlab } from '@gitlab-id-token/testing'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { createRedisReplayStore } from '@gitlab-id-token/redis'
import type { RedisReplayStoreEvent } from '@gitlab-id-token/redis'
import { startService } from './support/app.js'
import type { TestService } from './support/app.js'
import { startRedisServer } from './support/redis-server.js'
import type { RedisServer } from './support/redis-server.js'

const AUDIENCE = 'https://fleet.example.com'
const PROJECT = 'acme/widget'
const TIMEOUT_S = 0.2

let redis: RedisServer
let gitlab: MockGitlab
const clients: RedisClientType[] = []
const services: TestService[] = []

async function connect(): Promise<RedisClientType> {
  const client: RedisClientType = createClient({
    url: redis.url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 50 },
  })
  client.on('error', () => {})
  await client.connect()
  clients.push(client)
  return client
}

async function service(
  onUnavailable: 'fail-closed' | 'local',
  events: RedisReplayStoreEvent[] = [],
) {
  const store = createRedisReplayStore({
    client: await connect(),
    timeout: TIMEOUT_S,
    onUnavailable,
    onEvent: (event) => events.push(event),
  })
  const started = await startService({
    issuer: gitlab.issuer,
    audience: AUDIENCE,
    projectPath: PROJECT,
    store,
  })
  services.push(started)
  return { service: started, store }
}

async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const mint = (): string => gitlab.mint({ project_path: PROJECT })

beforeAll(async () => {
  redis = await startRedisServer()
  gitlab = await createMockGitlab({ audience: AUDIENCE })
})
afterAll(async () => {
  await Promise.all(services.map((s) => s.close()))
  for (const client of clients) client.destroy()
  await gitlab?.close()
  await redis?.close()
})

describe('Redis faults', () => {
  it('hung Redis (SIGSTOP): 503 + Retry-After within the deadline; SIGCONT recovers without restart', async () => {
    const { service: app, store } = await service('fail-closed')
    expect((await app.call(mint())).status).toBe(202)
    redis.pause()
    try {
      const started = performance.now()
      const answers = await Promise.all([app.call(mint()), app.call(mint()), app.call(mint())])
      const elapsed = performance.now() - started
      for (const answer of answers) {
        expect(answer.status).toBe(503)
        expect(answer.headers.get('retry-after')).toBe('5')
        expect(answer.body).toMatchObject({ code: 'ERR_REPLAY_UNAVAILABLE' })
      }
      // Bounded by our deadline, not by the client (which would wait forever) — generous slack.
      expect(elapsed).toBeLessThan(TIMEOUT_S * 1000 + 1_500)
    } finally {
      redis.resume()
    }
    const token = mint()
    expect((await app.call(token)).status).toBe(202)
    expect((await app.call(token)).status).toBe(401)
    expect(store.stats()).toMatchObject({ unavailable: false, outages: 1, failures: 3 })
  })

  it('killed Redis: fail-closed answers 503; local fallback admits once per process; restart empties Redis', async () => {
    const closed = await service('fail-closed')
    const localEvents: RedisReplayStoreEvent[] = []
    const local = await service('local', localEvents)
    const usedBefore = mint()
    expect((await closed.service.call(usedBefore)).status).toBe(202)
    expect((await local.service.call(usedBefore)).status).toBe(401)

    await redis.kill()
    const duringOutage = mint()
    try {
      const refused = await closed.service.call(duringOutage)
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect(refused.body).toMatchObject({ code: 'ERR_REPLAY_UNAVAILABLE' })

      expect((await local.service.call(duringOutage)).status).toBe(202)
      const replayed = await local.service.call(duringOutage)
      expect(replayed.status).toBe(401)
      expect(replayed.body).toMatchObject({ code: 'ERR_TOKEN_REPLAYED' })
      // The documented cost: the local store never saw tokens used before the outage.
      expect((await local.service.call(usedBefore)).status).toBe(202)
      expect(localEvents.filter((e) => e.type === 'unavailable')).toHaveLength(1)
    } finally {
      await redis.restart()
    }

    // Restarted empty (no persistence): Redis forgot `usedBefore`, so the fail-closed service
    // admits it once more — the documented behaviour; persistence (appendonly) prevents it.
    await until(() => clients.every((client) => client.isReady))
    expect((await closed.service.call(usedBefore)).status).toBe(202)
    expect((await closed.service.call(usedBefore)).status).toBe(401)
    // The local-fallback service still refuses what it admitted during the outage.
    await new Promise((resolve) => setTimeout(resolve, 1_050))
    expect((await local.service.call(duringOutage)).status).toBe(401)
    await until(() => !local.store.stats().unavailable)
    expect(localEvents.map((e) => e.type)).toEqual(['unavailable', 'recovered'])
    const fresh = mint()
    expect((await local.service.call(fresh)).status).toBe(202)
    expect((await closed.service.call(fresh)).status).toBe(401)
  })
})

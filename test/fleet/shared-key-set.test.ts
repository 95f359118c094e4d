/**
 * The shared key set across a fleet: 8 processes cold-started together against a mock GitLab
 * answering with 50 ms latency make one discovery and one key-set fetch in total; a rotation one
 * instance fetched reaches the others through Redis; a tampered entry is refused and counted.
 */

import { createClient } from 'redis'
import type { RedisClientType } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockGitlab } from '@gitlab-id-token/testing'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { issuerTag } from '@gitlab-id-token/redis'
import { removeChildBundle, startMember } from './support/fleet.js'
import type { FleetMember } from './support/fleet.js'
import { startRedisServer } from './support/redis-server.js'
import type { RedisServer } from './support/redis-server.js'

const AUDIENCE = 'https://fleet.example.com'
const PROJECT = 'acme/widget'
const SECRET = 'fleet secret: at least thirty-two bytes long'
const COOLDOWN_S = 0.5

let redis: RedisServer
let gitlab: MockGitlab
let client: RedisClientType
const members: FleetMember[] = []

const member = async (): Promise<FleetMember> => {
  const started = await startMember({
    redisUrl: redis.url,
    issuer: gitlab.issuer,
    audience: AUDIENCE,
    projectPath: PROJECT,
    shared: { secret: SECRET, cooldown: COOLDOWN_S },
  })
  members.push(started)
  return started
}
const mint = (): string => gitlab.mint({ project_path: PROJECT })
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  redis = await startRedisServer()
  client = createClient({ url: redis.url })
  client.on('error', () => {})
  await client.connect()
  gitlab = await createMockGitlab({ audience: AUDIENCE })
  // GitLab is not on loopback in production: 50 ms per answer opens the window in which every
  // cold instance would otherwise fetch on its own.
  gitlab.setDiscoveryResponse({ delayMs: 50 })
  gitlab.setKeySetResponse({ delayMs: 50 })
})
afterAll(async () => {
  removeChildBundle()
  await Promise.all(members.map((m) => m.close()))
  client?.destroy()
  await gitlab?.close()
  await redis?.close()
})

describe('shared key set', () => {
  it('8 cold instances: 1 discovery + 1 key-set fetch in total; a rotation spreads without fetches; a tampered entry is refused', async () => {
    const fleet = await Promise.all(Array.from({ length: 8 }, member))
    const tokens = fleet.map(mint)
    const cold = await Promise.all(fleet.map((m, i) => m.verify(tokens[i]!)))
    expect(cold).toEqual(fleet.map(() => ({ ok: true })))
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 1 })

    // Rotation: the first instance to see the new kid fetches (past the cooldown); the others
    // find the rotated set in Redis.
    await sleep(COOLDOWN_S * 1000 + 200)
    gitlab.rotateKey()
    const rotated = mint()
    expect(await fleet[0]!.verify(rotated)).toEqual({ ok: true })
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 2 })
    const spread = await Promise.all(fleet.slice(1).map((m) => m.verify(rotated)))
    expect(spread).toEqual(fleet.slice(1).map(() => ({ ok: true })))
    expect(gitlab.requests).toMatchObject({ discovery: 1, jwks: 2 })

    // Tampering: keep the MAC, swap in an attacker's key set. A cold instance refuses the entry,
    // counts it, and fetches GitLab's keys itself (and its write repairs the entry).
    const key = `gitlab-id-token:jwks:${issuerTag(gitlab.issuer)}`
    const stored = JSON.parse((await client.get(key))!) as Record<string, unknown>
    const attacker = { keys: [{ kty: 'RSA', kid: gitlab.ciKey.kid, n: 'AQAB', e: 'AQAB' }] }
    await client.set(key, JSON.stringify({ ...stored, body: JSON.stringify(attacker) }))
    const late = await member()
    expect(await late.verify(mint())).toEqual({ ok: true })
    const stats = await late.stats()
    expect(stats.shared?.refused).toBeGreaterThanOrEqual(1)
    expect(gitlab.requests).toMatchObject({ discovery: 2, jwks: 3 })
    const repaired = JSON.parse((await client.get(key))!) as { body: string }
    expect(JSON.parse(repaired.body)).toEqual(gitlab.keySet)
  }, 60_000)
})

/**
 * Exactly once across a fleet: 4 processes, each with its own verifier and the same Redis; every
 * jti is sent 1-5 times to random members and must be accepted exactly once.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockGitlab } from '@gitlab-id-token/testing'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { removeChildBundle, startMember } from './support/fleet.js'
import type { FleetMember, VerifyOutcome } from './support/fleet.js'
import { startRedisServer } from './support/redis-server.js'
import type { RedisServer } from './support/redis-server.js'

const AUDIENCE = 'https://fleet.example.com'
const PROJECT = 'acme/widget'
const MEMBERS = 4
const REQUESTS = 10_000
const IN_FLIGHT = 64

let redis: RedisServer
let gitlab: MockGitlab
let members: FleetMember[] = []

beforeAll(async () => {
  redis = await startRedisServer()
  gitlab = await createMockGitlab({ audience: AUDIENCE })
  members = await Promise.all(
    Array.from({ length: MEMBERS }, () =>
      startMember({
        redisUrl: redis.url,
        issuer: gitlab.issuer,
        audience: AUDIENCE,
        projectPath: PROJECT,
        // A CI runner shared with other suites can stall a process for hundreds of ms; this test
        // is about exactly-once, so the deadline is generous (faults.test.ts covers deadlines).
        replay: { timeout: 5 },
      }),
    ),
  )
}, 30_000)

afterAll(async () => {
  removeChildBundle()
  await Promise.all(members.map((member) => member.close()))
  await gitlab?.close()
  await redis?.close()
})

describe('fleet replay store', () => {
  it('accepts each jti exactly once over 10,000 requests to 4 processes', async () => {
    // A seeded generator keeps a failure reproducible.
    let seed = 0x9e3779b9
    const random = (): number => {
      seed = (seed * 1_664_525 + 1_013_904_223) >>> 0
      return seed / 2 ** 32
    }
    const plan: { token: number; member: number }[] = []
    const tokens: string[] = []
    const sends: number[] = []
    while (plan.length < REQUESTS) {
      const index = tokens.length
      tokens.push(gitlab.mint({ project_path: PROJECT }))
      const times = Math.min(1 + Math.floor(random() * 5), REQUESTS - plan.length)
      sends.push(times)
      for (let i = 0; i < times; i += 1)
        plan.push({ token: index, member: Math.floor(random() * MEMBERS) })
    }
    // Shuffle so the copies of one jti race each other across processes.
    for (let i = plan.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1))
      ;[plan[i], plan[j]] = [plan[j]!, plan[i]!]
    }

    const outcomes: VerifyOutcome[][] = tokens.map(() => [])
    const perMember = new Array<number>(MEMBERS).fill(0)
    let cursor = 0
    const worker = async (): Promise<void> => {
      while (cursor < plan.length) {
        const { token, member } = plan[cursor]!
        cursor += 1
        const outcome = await members[member]!.verify(tokens[token]!)
        outcomes[token]!.push(outcome)
        if (outcome.ok) perMember[member]! += 1
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))

    expect(plan).toHaveLength(REQUESTS)
    const accepted = outcomes.map((list) => list.filter((o) => o.ok).length)
    const codes: Record<string, number> = {}
    for (const o of outcomes.flat()) {
      const name = o.ok ? 'accepted' : `${o.code} ${o.status}`
      codes[name] = (codes[name] ?? 0) + 1
    }
    expect({
      neverAccepted: accepted.filter((count) => count === 0).length,
      acceptedTwice: accepted.filter((count) => count > 1).length,
      codes,
    }).toEqual({
      neverAccepted: 0,
      acceptedTwice: 0,
      codes: { accepted: tokens.length, 'ERR_TOKEN_REPLAYED 401': REQUESTS - tokens.length },
    })
    expect(sends.filter((n) => n > 1).length).toBeGreaterThan(tokens.length / 2)
    expect(perMember.reduce((a, b) => a + b, 0)).toBe(tokens.length)
    // Copies of most repeated jtis reached different processes: per-process stores would fail here.
    const spread = tokens.filter(
      (_, i) => new Set(plan.filter((p) => p.token === i).map((p) => p.member)).size > 1,
    )
    expect(spread.length).toBeGreaterThan(tokens.length / 3)
    // Every member took part.
    expect(perMember.every((count) => count > 0)).toBe(true)
  }, 60_000)
})

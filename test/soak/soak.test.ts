/**
 * The soak: `SOAK_SECONDS` (default 60) of concurrent valid and invalid traffic through the
 * Express example (examples/deploy-service) on loopback. Every answer must be exactly the expected
 * status and code; no socket error, no 500; the heap after GC must show no growth trend. Prints
 * its figures for SECURITY.md. Run by `pnpm test:soak`.
 */

import { randomUUID } from 'node:crypto'
import { Agent } from 'node:http'
import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_AUDIENCE,
  start,
  type RunningService,
} from '../../examples/deploy-service/src/app.js'
import { PRODUCTION_PROJECT_ID } from '../../examples/deploy-service/src/policy.js'
import { b64url, parts } from '../security/support/forge.js'
import { gcFunction, heapUsedAfterGc, mib } from '../security/support/gc.js'
import { sendRaw } from '../security/support/http.js'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60)
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16)
const SAMPLE_EVERY_MS = 5000

interface Scenario {
  readonly name: string
  readonly weight: number
  readonly path: string
  /** The Authorization header value, or `undefined` for none. */
  authorization(): string | undefined
  readonly status: number
  readonly code?: string
  /**
   * The other exact answer the scenario may get: a random `kid` while the refetch budget is spent
   * is 503 `ERR_JWKS_UNAVAILABLE` with `Retry-After` (it may be a rotation no fetch has seen yet).
   */
  readonly budgetSpent?: true
}

/** mulberry32: a seeded PRNG so a soak run's traffic mix is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let gitlab: MockGitlab
let service: RunningService
const logged = { queued: 0, refused: 0 }

beforeAll(async () => {
  gitlab = await createMockGitlab()
  service = await start({
    issuer: gitlab.issuer,
    log: (entry) => {
      if (entry.event === 'deploy.queued') logged.queued += 1
      else logged.refused += 1
    },
  })
})

afterAll(async () => {
  await service.close()
  await gitlab.close()
})

function scenarios(): Scenario[] {
  const aud = DEFAULT_AUDIENCE
  const production = {
    aud,
    project_path: 'acme/widget',
    project_id: PRODUCTION_PROJECT_ID,
    environment: 'production',
  }
  const staging = { aud, project_path: 'acme/api', environment: 'staging' }
  const pool = (size: number, mint: () => string): (() => string) => {
    const tokens = Array.from({ length: size }, mint)
    let next = 0
    return () => tokens[next++ % size] as string
  }
  const productionToken = pool(50, () => gitlab.mint(production))
  const stagingToken = pool(50, () => gitlab.mint(staging))
  const expired = pool(10, () => gitlab.mint(production, { now: Date.now() - 2 * 3600_000 }))
  const otherGroup = pool(10, () =>
    gitlab.mint({ aud, project_path: 'other/app', environment: 'staging' }),
  )
  const featureBranch = pool(10, () => gitlab.mint({ ...production, ref: 'feature' }))
  const wrongAudience = pool(10, () =>
    gitlab.mint({ ...production, aud: 'https://elsewhere.example' }),
  )
  const userToken = pool(10, () => gitlab.mintUserToken({ aud }))
  const claims = gitlab.buildClaims(production, { expiresIn: 3 * 3600 })
  const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`
  const [header, payload] = parts(productionToken())
  const badSignature = `${header}.${payload}.${parts(stagingToken())[2]}`
  const bearer = (token: string): string => `Bearer ${token}`
  return [
    {
      name: 'production deploy (cached token)',
      weight: 30,
      path: '/deploy/production',
      authorization: () => bearer(productionToken()),
      status: 202,
    },
    {
      name: 'production deploy (fresh token)',
      weight: 3,
      path: '/deploy/production',
      authorization: () => bearer(gitlab.mint(production)),
      status: 202,
    },
    {
      name: 'staging deploy',
      weight: 15,
      path: '/deploy/staging',
      authorization: () => bearer(stagingToken()),
      status: 202,
    },
    {
      name: 'staging token to production',
      weight: 5,
      path: '/deploy/production',
      authorization: () => bearer(stagingToken()),
      status: 403,
      code: 'ERR_INSUFFICIENT_SCOPE',
    },
    {
      name: 'another group',
      weight: 5,
      path: '/deploy/staging',
      authorization: () => bearer(otherGroup()),
      status: 403,
      code: 'ERR_POLICY_DENIED',
    },
    {
      name: 'unprotected branch to production',
      weight: 5,
      path: '/deploy/production',
      authorization: () => bearer(featureBranch()),
      status: 403,
      code: 'ERR_POLICY_DENIED',
    },
    {
      name: 'expired',
      weight: 5,
      path: '/deploy/production',
      authorization: () => bearer(expired()),
      status: 401,
      code: 'ERR_TOKEN_EXPIRED',
    },
    {
      name: 'wrong audience',
      weight: 5,
      path: '/deploy/production',
      authorization: () => bearer(wrongAudience()),
      status: 401,
      code: 'ERR_AUDIENCE_MISMATCH',
    },
    {
      name: 'user-login token',
      weight: 3,
      path: '/deploy/production',
      authorization: () => bearer(userToken()),
      status: 401,
      code: 'ERR_NOT_A_CI_TOKEN',
    },
    {
      name: 'bad signature',
      weight: 5,
      path: '/deploy/production',
      authorization: () => bearer(badSignature),
      status: 401,
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'alg none',
      weight: 3,
      path: '/deploy/production',
      authorization: () => bearer(none),
      status: 401,
      code: 'ERR_ALGORITHM_NOT_ALLOWED',
    },
    {
      name: 'random kid',
      weight: 3,
      path: '/deploy/production',
      authorization: () =>
        bearer(
          `${b64url({ alg: 'RS256', kid: randomUUID() })}.${payload}.${parts(badSignature)[2]}`,
        ),
      status: 401,
      code: 'ERR_KEY_NOT_FOUND',
      budgetSpent: true,
    },
    {
      name: 'untrusted issuer',
      weight: 3,
      path: '/deploy/production',
      authorization: () =>
        bearer(
          `${header}.${b64url({ ...claims, iss: `https://${randomUUID()}.example` })}.${parts(badSignature)[2]}`,
        ),
      status: 401,
      code: 'ERR_ISSUER_UNTRUSTED',
    },
    {
      name: 'garbage',
      weight: 3,
      path: '/deploy/production',
      authorization: () => 'Bearer not-a-token',
      status: 401,
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'no credential',
      weight: 3,
      path: '/deploy/production',
      authorization: () => undefined,
      status: 401,
      code: 'ERR_TOKEN_MISSING',
    },
    {
      name: 'two credentials',
      weight: 2,
      path: '/deploy/production',
      authorization: () => `${bearer(productionToken())}, ${bearer(productionToken())}`,
      status: 400,
      code: 'ERR_INVALID_REQUEST',
    },
  ]
}

describe(`soak: ${SECONDS} s of mixed traffic through examples/deploy-service`, () => {
  it('answers every request exactly as expected, with no heap growth trend', async () => {
    const mix = scenarios()
    const totalWeight = mix.reduce((sum, s) => sum + s.weight, 0)
    const random = prng(20_251_127)
    const pick = (): Scenario => {
      let roll = random() * totalWeight
      for (const scenario of mix) if ((roll -= scenario.weight) < 0) return scenario
      return mix[0] as Scenario
    }
    const counts = new Map<string, { sent: number; wrong: number; spent: number }>(
      mix.map((s) => [s.name, { sent: 0, wrong: 0, spent: 0 }]),
    )
    const wrong: string[] = []
    const socketErrors = new Map<string, number>()
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const samples: { t: number; heap: number }[] = []
    const started = performance.now()
    const deadline = started + SECONDS * 1000
    samples.push({ t: 0, heap: heapUsedAfterGc() })
    const sampler = setInterval(() => {
      samples.push({ t: performance.now() - started, heap: heapUsedAfterGc() })
    }, SAMPLE_EVERY_MS)

    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const scenario = pick()
        const authorization = scenario.authorization()
        const response = await sendRaw(`${service.url}${scenario.path}`, {
          method: 'POST',
          agent,
          headers: authorization === undefined ? {} : { authorization },
        })
        const count = counts.get(scenario.name) as { sent: number; wrong: number; spent: number }
        count.sent += 1
        if (response.status === 0) {
          socketErrors.set(
            response.error ?? '?',
            (socketErrors.get(response.error ?? '?') ?? 0) + 1,
          )
          continue
        }
        const spent =
          scenario.budgetSpent === true &&
          response.status === 503 &&
          response.json?.code === 'ERR_JWKS_UNAVAILABLE' &&
          /^[1-9]\d*$/.test(String(response.headers['retry-after']))
        if (spent) count.spent += 1
        else if (response.status !== scenario.status || response.json?.code !== scenario.code) {
          count.wrong += 1
          if (wrong.length < 10)
            wrong.push(`${scenario.name}: ${response.status} ${String(response.json?.code)}`)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    clearInterval(sampler)
    const elapsed = (performance.now() - started) / 1000
    samples.push({ t: elapsed * 1000, heap: heapUsedAfterGc() })
    agent.destroy()

    const total = [...counts.values()].reduce((sum, c) => sum + c.sent, 0)
    // Least-squares slope of heap after GC over time, after the first sample (warm-up).
    const steady = samples.slice(1)
    const meanT = steady.reduce((s, p) => s + p.t, 0) / steady.length
    const meanH = steady.reduce((s, p) => s + p.heap, 0) / steady.length
    const slope =
      steady.reduce((s, p) => s + (p.t - meanT) * (p.heap - meanH), 0) /
      Math.max(
        1,
        steady.reduce((s, p) => s + (p.t - meanT) ** 2, 0),
      )
    const first = steady[0] ?? samples[0]
    const last = samples.at(-1)
    const secondHalf = steady.slice(Math.floor(steady.length / 2))
    const lateGrowth = (secondHalf.at(-1)?.heap ?? 0) - (secondHalf[0]?.heap ?? 0)
    console.log(
      [
        `[soak] ${elapsed.toFixed(1)} s, ${CONCURRENCY} concurrent clients, ${total.toLocaleString('en')} requests ` +
          `(${Math.round(total / elapsed).toLocaleString('en')}/s) through examples/deploy-service (Express)`,
        ...mix.map((s) => {
          const c = counts.get(s.name) as { sent: number; wrong: number; spent: number }
          const spent =
            s.budgetSpent === true
              ? ` (${c.spent.toLocaleString('en')} of them 503 ERR_JWKS_UNAVAILABLE + Retry-After)`
              : ''
          return `[soak]   ${s.name}: ${c.sent.toLocaleString('en')} → ${s.status} ${s.code ?? ''}${spent}${c.wrong > 0 ? ` (${c.wrong} WRONG)` : ''}`
        }),
        `[soak] unexpected answers: ${wrong.length === 0 ? 'none' : wrong.join('; ')}; socket errors: ${socketErrors.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(socketErrors))}`,
        `[soak] service log lines: ${logged.queued.toLocaleString('en')} deploy.queued, ${logged.refused.toLocaleString('en')} deploy.refused`,
        `[soak] key-set fetches: ${gitlab.requests.jwks}, discovery: ${gitlab.requests.discovery}`,
        `[soak] heap after GC${gcFunction() === null ? ' (no gc available: without GC)' : ''}: start ${mib(samples[0]?.heap ?? 0)}, ` +
          `first after warm-up ${mib(first?.heap ?? 0)}, last ${mib(last?.heap ?? 0)}, ` +
          `trend ${((slope * 60_000) / 1024 / 1024).toFixed(2)} MiB/min over ${steady.length} samples, ` +
          `${lateGrowth >= 0 ? '+' : ''}${mib(lateGrowth)} over the second half`,
        `[soak] heap samples (MiB, every ${SAMPLE_EVERY_MS / 1000} s): ${samples.map((p) => (p.heap / 1024 / 1024).toFixed(1)).join(' ')}`,
      ].join('\n'),
    )

    expect(wrong).toEqual([])
    expect(Object.fromEntries(socketErrors)).toEqual({})
    expect(total).toBeGreaterThan(SECONDS * 50)
    if (gcFunction() !== null && first !== undefined && last !== undefined) {
      expect(last.heap - first.heap).toBeLessThan(16 * 1024 * 1024)
    }
  })
})

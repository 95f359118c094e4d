/**
 * The resource-bound experiments, shared by the default suite (small counts) and the soak suite
 * (100,000). Each returns its figures; the callers assert the bounds and print the figures.
 */

import { randomUUID } from 'node:crypto'
import { createVerifier, type Policy } from '@gitlab-id-token/core'
import type { MockGitlab } from '@gitlab-id-token/testing'
import { createClock } from './clock.js'
import { codeOf, outcome } from './fault-rig.js'
import { b64url } from './forge.js'
import { gcFunction, heapUsedAfterGc } from './gc.js'

const AUDIENCE = 'https://bounds.example.com'
const POLICY: Policy = { allow: [{ match: { project_path: 'acme/widget' } }] }
// The default refetch budget: one on-demand fetch per 5 s, at most 6 in any minute.
const COOLDOWN_MS = 5_000
const REFETCHES_PER_MINUTE = 6

function tally(codes: Map<string, number>, code: string): void {
  codes.set(code, (codes.get(code) ?? 0) + 1)
}

export interface KidFlood {
  readonly requests: number
  /** Simulated time the flood spanned (the verifier's clock advances `stepMs` per request). */
  readonly durationMs: number
  /** Key-set fetches, including the one that loaded the keys before the flood. */
  readonly keySetFetches: number
  readonly discoveryFetches: number
  /** 1 + min(⌈duration / cooldown⌉, 6 · ⌈duration / 60 s⌉): the default refetch budget. */
  readonly bound: number
  readonly codes: ReadonlyMap<string, number>
}

/**
 * `count` requests, each with a fresh random `kid`, in concurrent batches of `batch`, the clock
 * moving `stepMs` per request; default refetch budget (5 s, 6 a minute).
 */
export async function randomKidFlood(
  gitlab: MockGitlab,
  count: number,
  stepMs = 10,
  batch = 100,
): Promise<KidFlood> {
  const clock = createClock()
  gitlab.resetRequests()
  const verifier = createVerifier({
    issuer: gitlab.issuer,
    audience: AUDIENCE,
    policy: POLICY,
    now: clock.now,
  })
  await verifier.verify(gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' }))
  const start = clock.now()
  const payload = b64url(gitlab.buildClaims({ aud: AUDIENCE, project_path: 'acme/widget' }))
  const signature = b64url(Buffer.alloc(256, 7))
  const codes = new Map<string, number>()
  for (let sent = 0; sent < count;) {
    const pending = []
    for (let i = 0; i < batch && sent < count; i++, sent++) {
      clock.advance(stepMs)
      const header = b64url({ alg: 'RS256', kid: randomUUID(), typ: 'JWT' })
      pending.push(outcome(verifier.verify(`${header}.${payload}.${signature}`)))
    }
    for (const result of await Promise.all(pending)) tally(codes, codeOf(result))
  }
  const durationMs = clock.now() - start
  return {
    requests: count,
    durationMs,
    keySetFetches: gitlab.requests.jwks,
    discoveryFetches: gitlab.requests.discovery,
    bound:
      Math.min(
        Math.ceil(durationMs / COOLDOWN_MS),
        REFETCHES_PER_MINUTE * Math.ceil(durationMs / 60_000),
      ) + 1,
    codes,
  }
}

export interface IssuerFlood {
  readonly requests: number
  /** Every request the mock issuer received (discovery, key set, anything). */
  readonly issuerRequests: number
  readonly heapBefore: number
  readonly heapAfter: number
  readonly gcAvailable: boolean
  readonly codes: ReadonlyMap<string, number>
}

/** `count` tokens with random untrusted `iss` values against a verifier that trusts the mock. */
export async function untrustedIssuerFlood(
  gitlab: MockGitlab,
  count: number,
  batch = 500,
): Promise<IssuerFlood> {
  gitlab.resetRequests()
  const verifier = createVerifier({ issuer: gitlab.issuer, audience: AUDIENCE, policy: POLICY })
  const header = b64url({ alg: 'RS256', kid: gitlab.ciKey.kid, typ: 'JWT' })
  const signature = b64url(Buffer.alloc(256, 7))
  const claims = gitlab.buildClaims({ aud: AUDIENCE, project_path: 'acme/widget' })
  const run = async (n: number, codes: Map<string, number>): Promise<void> => {
    for (let sent = 0; sent < n;) {
      const pending = []
      for (let i = 0; i < batch && sent < n; i++, sent++) {
        const payload = b64url({ ...claims, iss: `https://${randomUUID()}.gitlab.example` })
        pending.push(outcome(verifier.verify(`${header}.${payload}.${signature}`)))
      }
      for (const result of await Promise.all(pending)) tally(codes, codeOf(result))
    }
  }
  await run(Math.min(count, 2000), new Map()) // warm the JIT before the first measurement
  const heapBefore = heapUsedAfterGc()
  const codes = new Map<string, number>()
  await run(count, codes)
  const heapAfter = heapUsedAfterGc()
  return {
    requests: count,
    issuerRequests: gitlab.requests.total,
    heapBefore,
    heapAfter,
    gcAvailable: gcFunction() !== null,
    codes,
  }
}

export interface TokenFlood {
  readonly tokens: number
  readonly cacheMax: number
  /** Heap after GC before any token, once the cache is full, and at the end. */
  readonly heapEmpty: number
  readonly heapFull: number
  readonly heapEnd: number
  /** The largest heap-after-GC sample taken every `count / 10` tokens after the cache filled. */
  readonly heapMax: number
  readonly gcAvailable: boolean
  readonly codes: ReadonlyMap<string, number>
}

/** `count` distinct, really signed, valid tokens through one verifier's result cache. */
export async function distinctTokenFlood(
  gitlab: MockGitlab,
  count: number,
  cacheMax = 1000,
  batch = 100,
): Promise<TokenFlood> {
  const verifier = createVerifier({
    issuer: gitlab.issuer,
    audience: AUDIENCE,
    policy: POLICY,
    cache: { max: cacheMax },
  })
  const codes = new Map<string, number>()
  const mint = (): string => gitlab.mint({ aud: AUDIENCE, project_path: 'acme/widget' })
  await verifier.verify(mint()) // load the key set
  const heapEmpty = heapUsedAfterGc()
  let heapFull = heapEmpty
  let heapMax = 0
  const every = Math.max(cacheMax, Math.floor(count / 10))
  for (let sent = 0; sent < count;) {
    const pending = []
    for (let i = 0; i < batch && sent < count; i++, sent++)
      pending.push(outcome(verifier.verify(mint())))
    for (const result of await Promise.all(pending)) tally(codes, codeOf(result))
    if (sent === cacheMax) heapFull = heapUsedAfterGc()
    else if (sent > cacheMax && sent % every === 0) heapMax = Math.max(heapMax, heapUsedAfterGc())
  }
  const heapEnd = heapUsedAfterGc()
  return {
    tokens: count,
    cacheMax,
    heapEmpty,
    heapFull,
    heapEnd,
    heapMax: Math.max(heapMax, heapEnd),
    gcAvailable: gcFunction() !== null,
    codes,
  }
}

/** `{ code: n, … }` for printing. */
export function codeCounts(codes: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(codes)
}

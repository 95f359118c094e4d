/**
 * The resource bounds at full size (`SOAK_COUNT`, default 100,000 per experiment), with their
 * figures printed for SECURITY.md. Run by `pnpm test:soak`.
 */

import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  codeCounts,
  distinctTokenFlood,
  randomKidFlood,
  untrustedIssuerFlood,
} from '../security/support/bounds.js'
import { mib } from '../security/support/gc.js'

const COUNT = Number(process.env.SOAK_COUNT ?? 100_000)
const n = (value: number): string => value.toLocaleString('en')
let gitlab: MockGitlab

beforeAll(async () => {
  gitlab = await createMockGitlab()
})

afterAll(async () => {
  await gitlab.close()
})

describe(`resource bounds at ${n(COUNT)} requests`, () => {
  it("random kids → at most the refetch budget's key-set fetches", async () => {
    const started = performance.now()
    const flood = await randomKidFlood(gitlab, COUNT)
    const wall = performance.now() - started
    console.log(
      `[bounds] random kid: ${n(flood.requests)} requests over ${n(flood.durationMs / 1000)} s of verifier clock ` +
        `(refetch budget 5 s, 6/min) → ${flood.keySetFetches} key-set fetches, ${flood.discoveryFetches} discovery ` +
        `(bound 1 + min(⌈duration / 5 s⌉, 6 · ⌈duration / 60 s⌉) = ${flood.bound}); answers ${JSON.stringify(codeCounts(flood.codes))}; ` +
        `wall time ${n(Math.round(wall))} ms`,
    )
    expect(flood.keySetFetches).toBeLessThanOrEqual(flood.bound)
    expect([...flood.codes.keys()].sort()).toEqual(['ERR_JWKS_UNAVAILABLE', 'ERR_KEY_NOT_FOUND'])
  })

  it('random untrusted iss → zero fetches, no retained memory', async () => {
    const flood = await untrustedIssuerFlood(gitlab, COUNT)
    const growth = flood.heapAfter - flood.heapBefore
    console.log(
      `[bounds] untrusted iss: ${n(flood.requests)} requests → ${flood.issuerRequests} requests to the issuer; ` +
        `heap after GC ${mib(flood.heapBefore)} before, ${mib(flood.heapAfter)} after (${growth >= 0 ? '+' : ''}${mib(growth)})` +
        `${flood.gcAvailable ? '' : ' [no gc available: figures without GC]'}; answers ${JSON.stringify(codeCounts(flood.codes))}`,
    )
    expect(flood.issuerRequests).toBe(0)
    expect([...flood.codes]).toEqual([['ERR_ISSUER_UNTRUSTED', COUNT]])
    if (flood.gcAvailable) expect(growth).toBeLessThan(2 * 1024 * 1024)
  })

  it('distinct valid tokens through the result cache (max 1,000) → heap bounded', async () => {
    const started = performance.now()
    const flood = await distinctTokenFlood(gitlab, COUNT)
    const wall = performance.now() - started
    const perEntry = (flood.heapFull - flood.heapEmpty) / flood.cacheMax
    console.log(
      `[bounds] distinct tokens: ${n(flood.tokens)} signed tokens, cache max ${n(flood.cacheMax)} → heap after GC ` +
        `${mib(flood.heapEmpty)} empty, ${mib(flood.heapFull)} with the cache full (~${n(Math.round(perEntry))} B/entry), ` +
        `max ${mib(flood.heapMax)} afterwards, ${mib(flood.heapEnd)} at the end` +
        `${flood.gcAvailable ? '' : ' [no gc available]'}; answers ${JSON.stringify(codeCounts(flood.codes))}; ` +
        `wall time ${n(Math.round(wall))} ms`,
    )
    expect([...flood.codes]).toEqual([['ok', COUNT]])
    if (flood.gcAvailable) expect(flood.heapMax - flood.heapFull).toBeLessThan(4 * 1024 * 1024)
  })
})

/**
 * Resource bounds at CI size (`BOUNDS_COUNT`, default 5,000 requests per flood and 2,500 signed
 * tokens; `pnpm test:soak` runs 100,000 of each): a flood of random `kid`s costs at most what the
 * refetch budget allows, a flood of untrusted issuers costs no fetch and no memory, and
 * distinct valid tokens do not grow the heap past the result cache's bound.
 */

import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { distinctTokenFlood, randomKidFlood, untrustedIssuerFlood } from './support/bounds.js'
import { mib } from './support/gc.js'

const COUNT = Number(process.env.BOUNDS_COUNT ?? 5000)
const TOKENS = Number(process.env.BOUNDS_COUNT ?? 2500)
let gitlab: MockGitlab

beforeAll(async () => {
  gitlab = await createMockGitlab()
})

afterAll(async () => {
  await gitlab.close()
})

describe('resource bounds (CI size)', () => {
  it(`${COUNT.toLocaleString('en')} random kids → at most the refetch budget's fetches, every answer 401 ERR_KEY_NOT_FOUND or 503 ERR_JWKS_UNAVAILABLE`, async () => {
    const flood = await randomKidFlood(gitlab, COUNT)
    expect(flood.keySetFetches).toBeLessThanOrEqual(flood.bound)
    // The flood does cause refetches (within the budget), so a real rotation would still be seen.
    expect(flood.keySetFetches).toBeGreaterThan(1)
    expect(flood.discoveryFetches).toBe(1)
    // 401 once a fetch showed the kid absent; 503 + Retry-After while the budget is spent (it
    // might be a rotation not yet seen).
    expect([...flood.codes.keys()].sort()).toEqual(['ERR_JWKS_UNAVAILABLE', 'ERR_KEY_NOT_FOUND'])
    expect(
      (flood.codes.get('ERR_KEY_NOT_FOUND') ?? 0) + (flood.codes.get('ERR_JWKS_UNAVAILABLE') ?? 0),
    ).toBe(COUNT)
  })

  it(`${COUNT.toLocaleString('en')} random untrusted iss → zero fetches, every answer ERR_ISSUER_UNTRUSTED, no retained memory`, async () => {
    const flood = await untrustedIssuerFlood(gitlab, COUNT)
    expect(flood.issuerRequests).toBe(0)
    expect([...flood.codes]).toEqual([['ERR_ISSUER_UNTRUSTED', COUNT]])
    if (flood.gcAvailable) {
      const growth = flood.heapAfter - flood.heapBefore
      expect(growth, mib(growth)).toBeLessThan(2 * 1024 * 1024)
    }
  })

  it(`${TOKENS.toLocaleString('en')} distinct valid tokens through the result cache (max 1,000) → the heap stops growing once the cache is full`, async () => {
    const flood = await distinctTokenFlood(gitlab, TOKENS)
    expect([...flood.codes]).toEqual([['ok', TOKENS]])
    if (flood.gcAvailable) {
      const growth = flood.heapMax - flood.heapFull
      expect(growth, mib(growth)).toBeLessThan(4 * 1024 * 1024)
    }
  })
})
